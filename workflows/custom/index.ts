// Your workflows: export each one here. The exported name is the workflow type that
// `events.bindings[].workflow` refers to in the configuration file.
export { routeAnsweredCallWorkflow } from './route-answered-call';
export { escalateNegativeMessageWorkflow } from './escalate-negative-message';
export { logEventWorkflow } from './log-event';
