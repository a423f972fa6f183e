import sharp from 'sharp';

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
