import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildOtlpDescriptor, OTLP_DESCRIPTOR_MODULE, renderOtlpDescriptorModule } from './build-otlp-descriptor.js';

describe('otlp-descriptor.ts', () => {
  it('is what build-otlp-descriptor.ts generates from the .proto files (regenerate after editing them)', () => {
    expect(readFileSync(OTLP_DESCRIPTOR_MODULE, 'utf8')).toBe(renderOtlpDescriptorModule(buildOtlpDescriptor()));
  });
});
