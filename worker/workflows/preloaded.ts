// Loaded once per workflow thread (the bundler's preloadModules) and shared, frozen, by every workflow run
// in it, instead of being evaluated again for each run: the zod library holds no per-run state, and a
// copy of it per parked scan cost ~0.7 MiB of heap (issue 27; npm run bench's memory section). Our
// schemas built on it stay per run (a zod schema memoizes itself on first parse, so it cannot be frozen).
import { z } from 'zod';

export const zodLibrary = z;

// zod sets its global defaults (the English messages, the memoizer) when the first schema is built: build
// one here, before the library is frozen, or a run's first schema would write them into the frozen library.
export const zodDefaultsSet = z.object({ set: z.array(z.string()) });
