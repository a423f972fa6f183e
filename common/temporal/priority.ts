// Task queue priority (Temporal's Priority, keys 1 = first .. 5 = last; unset = 3): scans, the work a
// member waits for, go ahead of the archive and erasures, which share their task queue and take minutes
// or hours without anyone watching. Activities inherit their workflow's priority, and the matching
// service hands out a backlogged queue's tasks in priority order (docs/design.md "Interactive first").
import type { Priority } from '@temporalio/common';

/** A member's scan: waited for in the app. */
export const INTERACTIVE_PRIORITY: Priority = { priorityKey: 1 };

/** The nightly archive and a member's erasure: must finish, nobody waits on the next minute. */
export const BACKGROUND_PRIORITY: Priority = { priorityKey: 5 };
