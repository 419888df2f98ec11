// Workflow interceptors the orchestrator worker installs (and tests bundle with the workflows).
export { interceptors } from './report-bound-failures';
