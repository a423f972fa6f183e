// The worker-process spawner lives beside the local rollout that uses it too (scripts/lib/local-worker-fleet.ts).
export { PROJECT_ROOT, spawnWorkerProcess } from '../../scripts/lib/worker-process';
