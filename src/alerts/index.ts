export { AlertsConfigSchema, resolveWebhookSecret } from './alerts-config.js';
export type { AlertmanagerConfig, AlertsConfig, SecretRef, WebhookConfig } from './alerts-config.js';
export { DEFAULT_STOP_DEADLINE_MS, createAlertDispatcher } from './create-alert-dispatcher.js';
export type { AlertDispatcher, AlertDispatcherOptions } from './create-alert-dispatcher.js';
export type { AlertLogger, AlertSink, DeliveryOutcome } from './delivery-metrics.js';
export type { OperationalAlert, OperationalEventKind } from './operational-alerts.js';
export { verifyWebhookSignature, signWebhook } from './webhook-signature.js';
export type { AnyWebhookPayload, OperationalWebhookPayload, WebhookFinding, WebhookOperationalAlert, WebhookPayload } from './webhook-payload.js';
