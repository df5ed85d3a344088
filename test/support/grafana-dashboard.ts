/**
 * The part of Grafana's dashboard JSON model (schemaVersion 39) that shiftguard's dashboards use, as
 * zod schemas, plus what the dashboards test needs around it: every PromQL query of a dashboard
 * (panel targets and Prometheus annotations), the template variables each one references, and their
 * interpolation the way Grafana does it before a query reaches Prometheus.
 *
 * Every panel and target must name the Prometheus datasource through the `datasource` template
 * variable (`${datasource}`), never a fixed uid or an `__inputs` placeholder (file provisioning
 * never fills those in).
 */
import { z } from 'zod';

/** The one way a panel, a target or a Prometheus annotation may name its datasource. */
export const PROMETHEUS_REF = { type: 'prometheus', uid: '${datasource}' } as const;
/** The plugin id of the Infinity datasource, which reads shiftguard's `GET /api/v1/annotations`. */
export const INFINITY_PLUGIN = 'yesoreyeram-infinity-datasource';
/** Grafana's own variables a query may use besides the dashboard's template variables. */
export const GRAFANA_BUILTINS = ['__rate_interval', '__interval', '__range', '__timeFrom', '__timeTo'] as const;

const PrometheusRef = z.object({ type: z.literal(PROMETHEUS_REF.type), uid: z.literal(PROMETHEUS_REF.uid) }).strict();

const GridPos = z
  .object({ h: z.int().min(1), w: z.int().min(1).max(24), x: z.int().min(0).max(23), y: z.int().min(0) })
  .refine((g) => g.x + g.w <= 24, { message: 'x + w must be at most 24 (the grid is 24 columns wide)' });

const Target = z.object({ refId: z.string().min(1), expr: z.string().min(1), datasource: PrometheusRef, legendFormat: z.string() });

const RowPanel = z.object({ type: z.literal('row'), id: z.int().positive(), title: z.string().min(1), gridPos: GridPos, collapsed: z.literal(false), panels: z.array(z.never()) });

const QueryPanel = z.object({
  type: z.enum(['timeseries', 'stat', 'table', 'bargauge', 'state-timeline']),
  id: z.int().positive(),
  title: z.string().min(1),
  description: z.string().min(1),
  gridPos: GridPos,
  datasource: PrometheusRef,
  fieldConfig: z.object({ defaults: z.object({ unit: z.string().min(1) }) }),
  targets: z.array(Target).min(1),
});

const DatasourceVariable = z.object({ type: z.literal('datasource'), name: z.string().min(1), query: z.string().min(1) });

const QueryVariable = z.object({
  type: z.literal('query'),
  name: z.string().min(1),
  datasource: PrometheusRef,
  definition: z.string().min(1),
  query: z.object({ query: z.string().min(1) }),
  includeAll: z.boolean(),
  multi: z.boolean(),
  allValue: z.string().optional(),
  refresh: z.union([z.literal(1), z.literal(2)]),
});

const BuiltInAnnotation = z.object({ builtIn: z.literal(1), datasource: z.object({ type: z.literal('grafana'), uid: z.literal('-- Grafana --') }) });

/** Grafana's own annotation store filtered by tag: what `serve` pushes (`grafana.url`). */
const PushedAnnotation = z.object({
  name: z.string().min(1),
  datasource: z.object({ type: z.literal('grafana'), uid: z.literal('-- Grafana --') }),
  enable: z.boolean(),
  target: z.object({ type: z.literal('tags'), tags: z.tuple([z.literal('shiftguard')]), limit: z.int().positive(), matchAny: z.boolean() }),
});

const PrometheusAnnotation = z.object({
  name: z.string().min(1),
  datasource: PrometheusRef,
  enable: z.boolean(),
  expr: z.string().min(1),
  step: z.string().regex(/^\d+[smh]$/),
  titleFormat: z.string().min(1),
  // true: the series value is the event time in ms (a registration timestamp gauge × 1000).
  useValueForTime: z.boolean(),
});

const InfinityColumn = z.object({ selector: z.string().min(1), text: z.string().min(1), type: z.enum(['string', 'number', 'timestamp_epoch']) });

const ApiAnnotation = z.object({
  name: z.string().min(1),
  datasource: z.object({ type: z.literal(INFINITY_PLUGIN), uid: z.string().regex(/^\$\{\w+\}$/) }),
  enable: z.boolean(),
  target: z.object({
    type: z.literal('json'),
    source: z.literal('url'),
    parser: z.literal('backend'),
    format: z.literal('dataframe'),
    url: z.string().startsWith('/api/v1/annotations'),
    columns: z.array(InfinityColumn).min(2),
  }),
});

/** A dashboard as shiftguard ships it; `__inputs` and `__requires` (the export-for-sharing form) are refused. */
export const DashboardSchema = z.object({
  __inputs: z.never().optional(),
  __requires: z.never().optional(),
  id: z.null(),
  uid: z.string().regex(/^[a-z0-9-]{1,40}$/),
  title: z.string().min(1),
  schemaVersion: z.int().min(36),
  tags: z.array(z.string()).min(1),
  panels: z.array(z.union([RowPanel, QueryPanel])).min(1),
  templating: z.object({ list: z.array(z.discriminatedUnion('type', [DatasourceVariable, QueryVariable])) }),
  annotations: z.object({ list: z.array(z.union([BuiltInAnnotation, PushedAnnotation, PrometheusAnnotation, ApiAnnotation])) }),
});

export type Dashboard = z.infer<typeof DashboardSchema>;
export type QueryPanel = z.infer<typeof QueryPanel>;
export type QueryVariable = z.infer<typeof QueryVariable>;
export type ApiAnnotation = z.infer<typeof ApiAnnotation>;

/** One PromQL expression of a dashboard and where it is. */
export interface DashboardQuery {
  readonly dashboard: string;
  /** `panel "<title>" target <refId>` or `annotation "<name>"`. */
  readonly where: string;
  readonly kind: 'panel' | 'annotation';
  readonly expr: string;
}

/** The panels that query Prometheus (rows left out). */
export function queryPanels(dashboard: Dashboard): QueryPanel[] {
  return dashboard.panels.filter((p): p is QueryPanel => p.type !== 'row');
}

/** Every PromQL expression of the dashboard: panel targets, then Prometheus annotations. */
export function dashboardQueries(dashboard: Dashboard): DashboardQuery[] {
  const panels = queryPanels(dashboard).flatMap((p) =>
    p.targets.map((t): DashboardQuery => ({ dashboard: dashboard.uid, where: `panel "${p.title}" target ${t.refId}`, kind: 'panel', expr: t.expr })),
  );
  const annotations = dashboard.annotations.list.flatMap((a): DashboardQuery[] =>
    'expr' in a ? [{ dashboard: dashboard.uid, where: `annotation "${a.name}"`, kind: 'annotation', expr: a.expr }] : [],
  );
  return [...panels, ...annotations];
}

/** The Infinity annotations that read shiftguard's API. */
export function apiAnnotations(dashboard: Dashboard): ApiAnnotation[] {
  return dashboard.annotations.list.filter((a): a is ApiAnnotation => 'target' in a && a.datasource.type === INFINITY_PLUGIN);
}

/** The variable names a text references as `$name` or `${name}` (with or without a `:format`). */
export function variableReferences(text: string): string[] {
  return [...text.matchAll(/\$(?:\{(\w+)(?::\w+)?\}|(\w+))/g)].map((m) => m[1] ?? m[2] ?? '');
}

/** Replaces every `$name` / `${name}` whose value `values` gives; other text is left as it is. */
export function interpolate(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\$(?:\{(\w+)\}|(\w+))/g, (whole, braced: string | undefined, bare: string | undefined) => values[braced ?? bare ?? ''] ?? whole);
}

/** The series selector and label of a Prometheus `label_values(<selector>, <label>)` variable query. */
export function parseLabelValues(query: string): { readonly selector: string; readonly label: string } {
  const match = /^label_values\((.+),\s*(\w+)\)$/.exec(query.trim());
  if (match === null) throw new Error(`expected label_values(<selector>, <label>), got ${query}`);
  return { selector: match[1] ?? '', label: match[2] ?? '' };
}

/** Overlapping panels of a dashboard (Grafana would push them apart), as `id/id` pairs. */
export function overlappingPanels(dashboard: Dashboard): string[] {
  const overlaps: string[] = [];
  dashboard.panels.forEach((a, i) => {
    for (const b of dashboard.panels.slice(i + 1)) {
      const ga = a.gridPos;
      const gb = b.gridPos;
      if (ga.x < gb.x + gb.w && gb.x < ga.x + ga.w && ga.y < gb.y + gb.h && gb.y < ga.y + ga.h) overlaps.push(`${a.id}/${b.id}`);
    }
  });
  return overlaps;
}
