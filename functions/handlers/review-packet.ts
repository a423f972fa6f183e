import { ReviewPacketSchema, ReviewPhotoParamsSchema, ScanParamsSchema } from '../../common/contracts/api';
import { ANGLES, type Angle, ageAtCapture } from '../../common/contracts/scan';
import type { ScanDocument } from '../../common/contracts/scan-document';
import { ScanAnalysisSchema } from '../../common/contracts/scan-results';
import { sniffImageFormat } from '../../common/photos/image-header';
import { readSealedPhoto, SealBrokenError, sealContainers } from '../../common/scans/sealed-photos';
import type { Deps } from '../deps';
import { ApiProblem } from '../errors';
import { defineHttp, type Principal } from '../framework/types';
import { auditHealthDataRead, readScan, reviewerAccessClock, reviewerMaySee, statusPath } from '../scans/access';
import { ACCEPTED_PHOTO_TYPES } from '../scans/upload-urls';
import { recentHistory, reviewPacketPath, reviewTimes } from './list-reviews';

// A reviewer reads one scan at a time, by need (reviewerMaySee: waiting for review, or decided by them
// within REVIEW_ACCESS_AFTER_DECISION_SECONDS); any other scan, their own included, is 404. Each opening
// of a packet and each photo read is one audit record. Photos come through this app, never as storage
// URLs: the data account answers only inside the network, and nothing handed out outlives the request.

const reviewPhotoPath = (scanId: string, angle: Angle) => `${reviewPacketPath(scanId)}/photos/${angle}`;

/** The scan, when this reviewer has a need for it now; otherwise the 404 of a scan that does not exist. */
async function scanInReview(deps: Deps, scanId: string, reviewer: Principal): Promise<ScanDocument> {
  const scan = await readScan(deps, scanId);
  if (!scan || !reviewerMaySee(scan, reviewer, reviewerAccessClock(deps))) throw new ApiProblem('scan_not_found');
  return scan;
}

/** The sealed copies the analysis used (the upload location is emptied at submit), while they are kept. */
const sealedAngles = (scan: ScanDocument) =>
  ANGLES.filter((angle) => scan.sealedPhotos?.[angle] && scan.photos[angle] && !scan.photosDeleted);

const notYours = { description: 'no such scan for this reviewer now (waiting for review, or decided by them within the set time)' };

export const getReviewPacket = defineHttp({
  kind: 'http',
  name: 'getReviewPacket',
  route: 'reviews/{scanId}',
  methods: ['GET'],
  auth: 'reviewer',
  summary:
    "One scan's review packet: reasons, measurements, estimate, deltas, recent history and the URLs of its photos on this API (each opening audited)",
  tags: ['review'],
  params: ScanParamsSchema,
  responses: {
    200: { description: 'the packet', schema: ReviewPacketSchema },
    400: { description: 'invalid scan id', codes: ['validation_failed'] },
    404: { ...notYours, codes: ['scan_not_found'] },
  },
  async handler({ params, principal, deps, urlFor }) {
    const scan = await scanInReview(deps, params.scanId, principal);
    const [times, history] = await Promise.all([reviewTimes(deps, scan), recentHistory(deps, scan.ownerId)]);
    await auditHealthDataRead(deps, scan, principal, 'review_packet');
    const analysis = ScanAnalysisSchema.safeParse(scan.analysis);
    const m = scan.measurements;
    return {
      status: 200,
      body: {
        ...times,
        measurements: { weightKg: m.weightKg, heightCm: m.heightCm, age: ageAtCapture(m), sex: m.sex, capturedAt: m.capturedAt },
        estimate: analysis.success ? analysis.data.estimate : null,
        deltas: analysis.success ? analysis.data.deltas : null,
        // A decided scan's full record; in review, what the analysis recorded (build, workflow, estimate agent).
        provenance: scan.results?.provenance ?? (analysis.success ? analysis.data.provenance : undefined) ?? scan.provenance ?? null,
        history,
        photos: sealedAngles(scan).map((angle) => ({ angle, url: urlFor(reviewPhotoPath(scan.scanId, angle)) })),
        reviewUrl: urlFor(`${statusPath(scan.scanId)}/review`),
      },
    };
  },
});

export const getReviewPhoto = defineHttp({
  kind: 'http',
  name: 'getReviewPhoto',
  route: 'reviews/{scanId}/photos/{angle}',
  methods: ['GET'],
  auth: 'reviewer',
  summary: 'One sealed photo of a scan in review, as sealed at submit; never cached (each read audited)',
  tags: ['review'],
  params: ReviewPhotoParamsSchema,
  responses: {
    200: {
      description: 'the photo',
      contentType: ACCEPTED_PHOTO_TYPES,
      headers: { 'Cache-Control': 'no-store: the photo stays in no cache, the browser\u2019s included' },
    },
    400: { description: 'invalid scan id or angle', codes: ['validation_failed'] },
    404: { ...notYours, codes: ['scan_not_found', 'not_found'] },
  },
  async handler({ params, principal, deps }) {
    const scan = await scanInReview(deps, params.scanId, principal);
    const name = scan.photos[params.angle];
    const seal = scan.sealedPhotos?.[params.angle];
    const gone = new ApiProblem('not_found', 'this scan has no such photo (or it has been deleted)');
    if (!name || !seal || !sealedAngles(scan).includes(params.angle)) throw gone;
    let bytes: Buffer;
    try {
      // Read with the seal checked: the reviewer sees exactly the bytes the analysis used.
      bytes = await readSealedPhoto(sealContainers(deps.config, deps.blob, deps.dataBlob).sealed, name, params.angle, seal);
    } catch (err) {
      if (err instanceof SealBrokenError) throw gone; // deleted since (retention, erasure) or not the sealed bytes
      throw err;
    }
    await auditHealthDataRead(deps, scan, principal, 'review_photo', 'review', params.angle);
    const format = sniffImageFormat(bytes);
    if (!format) throw gone; // the upload checks admitted only these formats
    return {
      status: 200,
      rawBody: bytes,
      headers: { 'Content-Type': `image/${format}`, 'Cache-Control': 'private, no-store', 'Content-Disposition': 'inline' },
    };
  },
});
