import { describe, expect, it } from 'vitest';
import { labelRows, renderLinePlot, ticksOf } from './svg-plot.js';

describe('labelRows', () => {
  it('stacks labels of markers that coincide and keeps distant ones on the first row', () => {
    expect(labelRows([{ x: 300, text: 'upgrade' }, { x: 310, text: 'onset' }, { x: 500, text: 'x' }])).toEqual([0, 1, 0]);
  });

  it('leaves a label out when both rows are taken there, and skips markers without a label', () => {
    expect(labelRows([{ x: 100, text: 'rollout-a' }, { x: 104, text: 'rollout-b' }, { x: 108, text: 'rollout-c' }, { x: 104, text: undefined }])).toEqual([0, 1, null, null]);
  });
});

describe('renderLinePlot', () => {
  it('draws the labels of coinciding markers on two rows, not over each other', () => {
    const svg = renderLinePlot({
      title: 't',
      kind: 'timeseries',
      x: { min: 0, max: 100, label: 'x', format: String },
      y: { min: 0, max: 1, label: 'y', format: String },
      series: [],
      markers: [
        { name: 'upgrade', x: 50, color: '#000', label: 'upgrade', dashed: false },
        { name: 'onset', x: 51, color: '#f00', label: 'onset', dashed: false },
      ],
    });
    const ys = [...svg.matchAll(/<text x="[\d.]+" y="([\d.]+)" fill="#(?:000|f00)" text-anchor="middle">(upgrade|onset)<\/text>/g)].map((m) => [m[2], Number(m[1])]);
    expect(ys).toEqual([['upgrade', 22], ['onset', 10]]);
  });
});

describe('ticksOf', () => {
  it('gives nice linear steps and decades on a log axis', () => {
    expect(ticksOf({ min: 0, max: 100, label: '', format: String })).toEqual([0, 20, 40, 60, 80, 100]);
    expect(ticksOf({ min: 0.001, max: 10, log: true, label: '', format: String })).toEqual([0.001, 0.01, 0.1, 1, 10]);
  });
});
