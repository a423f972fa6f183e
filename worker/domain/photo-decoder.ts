import sharp from 'sharp';
import { Semaphore } from '../../common/semaphore';

// The one place a member's photo is handed to the decoder (sharp/libvips), with the options every
// decode shares, and the process-wide bounds the worker sets on the decoder at start.

/**
 * A sharp pipeline over a photo's bytes. `limitInputPixels` refuses, before decoding, any input whose
 * header declares more pixels (MAX_PHOTO_PIXELS): the quality activity already refuses such a photo from
 * its header, so this is the backstop for every other path (and for a header our reader and libvips read
 * differently). `failOn`: the quality check keeps sharp's default (a decoder warning fails, so a damaged
 * photo is rejected); the copy sent to a model, made only of photos that passed it, fails on errors only.
 */
export function openPhoto(bytes: Buffer, maxPixels: number, failOn: 'warning' | 'error' = 'warning'): sharp.Sharp {
  return sharp(bytes, { limitInputPixels: maxPixels, failOn });
}

/**
 * Bounds the decoder's memory and threads for the whole worker process. The operation cache (by default
 * up to 50 MB and 100 operations) only pays off when the same image is processed again, and the worker
 * decodes each photo once or twice, so it would only hold decoded pixels of photos already finished.
 * One libvips thread per image: the worker runs many activities at once and decodes each scan's photos
 * one at a time, so parallelism comes from the activities (and libuv's pool, UV_THREADPOOL_SIZE, 4 by
 * default, caps the images in flight); more threads per image would multiply CPU and memory under load.
 */
export function boundDecoderResources(): void {
  sharp.cache(false);
  sharp.concurrency(1);
}

/**
 * Scans whose photos a worker holds and decodes at once, whatever its activity slots
 * (WORKER_MAX_CONCURRENT_ACTIVITIES): each holds four photos' bytes and their decoded pixels, and libuv's
 * pool (UV_THREADPOOL_SIZE, 4 by default) runs four decodes at a time anyway, so a fifth scan would only
 * hold memory while it waits. With this bound the slots can be many: the other activities wait on I/O.
 */
export const SCANS_DECODED_AT_ONCE = 4;
const scansInMemory = new Semaphore(SCANS_DECODED_AT_ONCE);

/** Reads and decodes one scan's photos within the worker's bound; what `work` returns should not hold them. */
export const withScanPhotos = <T>(work: () => Promise<T>): Promise<T> => scansInMemory.use(work);

/** Scans holding their photos, and scans waiting to (what the tests of the bound watch). */
export const scanPhotosInMemory = () => ({ holding: scansInMemory.inUse, waiting: scansInMemory.queued });
