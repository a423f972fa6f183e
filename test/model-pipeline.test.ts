import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { Collections } from '../common/contracts/scan-document';
import { progressQuery, submitReviewUpdate } from '../common/contracts/workflow-messages';
import { userRef } from '../common/scans/repository';
import { MODEL_IMAGE_MAX_EDGE } from '../worker/model/images';
import { activityTimeline, maybeRecordHistory } from './helpers/history';
import { azureModelConfig, runScan, scanProbe } from './helpers/model-scan';
import { imagesIn, ModelServer } from './helpers/model-server';
import { signedDecision } from './helpers/review';
import { newUserId, samplePhotos, scanWorkerSuite, seedMember, startTestWorker } from './helpers/scan';
import { testConfig, uniqueTaskQueue } from './helpers/stack';

const server = new ModelServer();
const taskQueue = uniqueTaskQueue('model-pipeline');
const suite = scanWorkerSuite(
  'model-pipeline',
  () => azureModelConfig(server, { TEMPORAL_TASK_QUEUE: taskQueue, REVIEW_TIMEOUT_SECONDS: '600' }),
  {
    before: () => server.start(),
    after: () => server.stop(),
  },
);
const { firebase, blob } = suite;
const probe = scanProbe(firebase);

describe('the model path (Azure OpenAI API against the local model server)', () => {
  it('completes a scan end to end; the model saw downscaled EXIF-free low-detail images and was asked for strict JSON schemas', async () => {
    server.reset();
    const { scan, handle } = await runScan(suite.client, suite.config, firebase, blob, taskQueue);
    expect(await handle.result()).toEqual({ scanId: scan.scanId, status: 'completed' });

    const doc = await probe.doc(scan.scanId);
    const r = doc.results!;
    const modelUsage = r.modelUsage!;
    expect(r.quality!.method).toBe('deterministic+vision');
    expect(r.estimate!.method).toBe('vision-fused');
    for (const agent of ['insights', 'nutrition', 'workout'] as const) {
      expect(r[agent]!.method).toBe('deterministic+model-wording');
      expect(r[agent]!.narrative!.source).toBe('model');
      expect(r[agent]!.model).toMatchObject({
        deployment: 'gpt-4o-mini-words',
        model: 'gpt-4o-2024-08-06',
        promptVersion: `narrative.v1+${agent}.v1`,
        outcome: 'accepted',
      });
    }
    expect(r.hydration!.method).toBe('deterministic');
    expect(r.quality!.model).toMatchObject({
      deployment: 'gpt-4o-scan',
      promptVersion: 'quality.v1',
      outcome: 'accepted',
      images: { detail: 'low', maxEdge: MODEL_IMAGE_MAX_EDGE, format: 'jpeg' },
    });
    expect(r.estimate!.model).toMatchObject({ deployment: 'gpt-4o-scan', promptVersion: 'estimation.v1' });

    // Token use per scan: per agent and in total; 8 images at 85 tokens each (low detail).
    expect(Object.keys(modelUsage.perAgent).sort()).toEqual(['estimate', 'insights', 'nutrition', 'quality', 'workout']);
    expect(modelUsage.total.imageTokens).toBe(8 * 85);
    expect(modelUsage.total.totalTokens).toBe(modelUsage.total.promptTokens + modelUsage.total.completionTokens);
    expect(modelUsage.total.promptTokens).toBeGreaterThan(8 * 85);

    // What was sent: Azure deployment paths with an api-version and the key, strict json_schema formats.
    expect(server.requests).toHaveLength(5);
    for (const req of server.requests) {
      expect(req.path).toBe(`/openai/deployments/${req.deployment}/chat/completions`);
      expect(req.apiVersion).toBe('2024-10-21');
      expect(req.apiKey).toBe('test-azure-key');
      expect(req.body.response_format).toMatchObject({
        type: 'json_schema',
        json_schema: { strict: true, schema: { type: 'object', additionalProperties: false } },
      });
      expect(req.body.response_format!.json_schema!.schema).not.toHaveProperty('$schema');
    }
    expect(server.requests.map((q) => `${q.schemaName}@${q.deployment}`).sort()).toEqual([
      'body_fat_estimate@gpt-4o-scan',
      'insights_narrative@gpt-4o-mini-words',
      'nutrition_narrative@gpt-4o-mini-words',
      'photo_quality_judgement@gpt-4o-scan',
      'workout_narrative@gpt-4o-mini-words',
    ]);
    // The originals carry EXIF and are 900x1600; what the model received carries none and fits 512 px.
    expect((await sharp((await samplePhotos()).front).metadata()).exif).toBeDefined();
    for (const name of ['photo_quality_judgement', 'body_fat_estimate']) {
      const images = imagesIn(server.requestsFor(name)[0]!.body);
      expect(images).toHaveLength(4);
      for (const img of images) {
        expect(img.detail).toBe('low');
        expect(img.mime).toBe('image/jpeg');
        const meta = await sharp(img.bytes).metadata();
        expect(meta.format).toBe('jpeg');
        expect(meta.exif).toBeUndefined();
        expect(meta.icc).toBeUndefined();
        expect(Math.max(meta.width, meta.height)).toBeLessThanOrEqual(MODEL_IMAGE_MAX_EDGE);
        expect(img.bytes.length).toBeLessThan(100_000);
      }
    }
    // The narratives saw only computed facts; no images, and the estimation saw no weight or height.
    for (const name of ['insights_narrative', 'nutrition_narrative', 'workout_narrative'])
      expect(imagesIn(server.requestsFor(name)[0]!.body)).toHaveLength(0);
    const estimationText = JSON.stringify(
      server
        .requestsFor('body_fat_estimate')[0]!
        .body.messages.map((m) => (typeof m.content === 'string' ? m.content : m.content.filter((p) => p.type === 'text'))),
    );
    expect(estimationText).not.toMatch(/82|180|weight|height/i);

    expect(await probe.pushTypes(scan.scanId)).toEqual(['scan_completed']);
    expect(await probe.historyCount(scan.ownerId)).toBe(1);
    await maybeRecordHistory(handle, 'model-completed-estimate-beside-judgement');
  });

  it('talks to a plain OpenAI-compatible endpoint with a bearer key', async () => {
    server.reset();
    const queue = uniqueTaskQueue('model-openai');
    const cfg = testConfig({
      TEMPORAL_TASK_QUEUE: queue,
      MODEL_PROVIDER: 'openai',
      OPENAI_BASE_URL: `${server.url}/v1`,
      OPENAI_API_KEY: 'sk-test-openai',
      MODEL_DEPLOYMENT_DEFAULT: 'gpt-4o-mini',
    });
    const w = await startTestWorker(cfg, firebase, blob, { taskQueue: queue });
    try {
      const { handle, scan } = await runScan(suite.client, cfg, firebase, blob, queue);
      expect((await handle.result()).status).toBe('completed');
      expect(server.requests).toHaveLength(5);
      expect(new Set(server.requests.map((q) => `${q.path} ${q.body.model} ${q.authorization}`))).toEqual(
        new Set(['/v1/chat/completions gpt-4o-mini Bearer sk-test-openai']),
      );
      expect((await probe.doc(scan.scanId)).results?.estimate).toMatchObject({
        method: 'vision-fused',
        model: { provider: 'openai', deployment: 'gpt-4o-mini' },
      });
    } finally {
      await w.stop();
    }
  });

  it('the vision judgement can reject photos the quick checks passed, with member-facing reasons; the estimate started beside it is discarded', async () => {
    server.reset();
    server.script('photo_quality_judgement', {
      kind: 'answer',
      content: {
        photos: ['front', 'back', 'left', 'right'].map((angle) => ({
          angle,
          pose: 'ok',
          framing: angle === 'left' ? 'problem' : 'ok',
          clothing: angle === 'front' ? 'problem' : 'ok',
          lighting: 'ok',
        })),
      },
    });
    const { scan, handle } = await runScan(suite.client, suite.config, firebase, blob, taskQueue);
    const result = await handle.result();
    expect(result.status).toBe('rejected');
    expect(result.error?.code).toBe('photos_rejected');
    const details = result.error?.details ?? [];
    expect(details.map((d: { angle?: string; code: string }) => `${d.angle}:${d.code}`).sort()).toEqual([
      'front:vision_clothing',
      'left:vision_framing',
    ]);
    expect(details.find((d: { angle?: string }) => d.angle === 'front')?.reason).toMatch(/front photo.*close-fitting clothing/i);
    // The estimate started once the deterministic checks passed, beside the judgement, and was discarded:
    // no estimate in results or on the scan, one push (the rejection).
    const { timeline } = activityTimeline(await handle.fetchHistory());
    expect(timeline.filter((t) => t.activity === 'checkPhotoQuality' && t.event === 'started')).toHaveLength(1);
    expect(timeline.filter((t) => t.activity === 'judgePhotoQuality' && t.event === 'started')).toHaveLength(1);
    expect(timeline.filter((t) => t.activity === 'estimateBodyComposition' && t.event === 'scheduled')).toHaveLength(1);
    expect(timeline.some((t) => t.activity === 'computeDeltas')).toBe(false);
    expect(await probe.pushTypes(scan.scanId)).toEqual(['scan_rejected']);
    const doc = await probe.doc(scan.scanId);
    expect(doc.credit.state).toBe('refunded');
    expect(doc.results).toBeUndefined();
    expect(doc.analysis).toBeUndefined();
    await maybeRecordHistory(handle, 'model-judgement-rejected-estimate-discarded');
  });

  it('a vision estimate far from the anthropometric prior sends the scan to review', async () => {
    server.reset();
    server.script('body_fat_estimate', { kind: 'answer', content: { bodyFatPercent: 45, confidence: 0.9 } });
    const uid = newUserId();
    await seedMember(firebase.db, uid);
    const { scan, handle } = await runScan(suite.client, suite.config, firebase, blob, taskQueue, { userId: uid });
    const deadline = Date.now() + 30_000;
    while ((await handle.query(progressQuery)).status !== 'awaiting_review') {
      if (Date.now() > deadline) throw new Error('scan never reached review');
      await new Promise((r) => setTimeout(r, 150));
    }
    await handle.executeUpdate(submitReviewUpdate, {
      args: [signedDecision(suite.config, scan.scanId, 'approve', { reviewerId: 'reviewer_model' })],
    });
    expect((await handle.result()).status).toBe('completed');
    const r = (await probe.doc(scan.scanId)).results as {
      review: { reasons: string[] };
      estimate: { fusion: { disagreementPp: number; vision: { bodyFatPercent: number } }; reviewReasons: string[] };
    };
    expect(r.review.reasons).toContain('model_prior_disagreement');
    expect(r.estimate.reviewReasons).toEqual(['model_prior_disagreement']);
    expect(r.estimate.fusion.vision.bodyFatPercent).toBe(45);
    expect(r.estimate.fusion.disagreementPp).toBeGreaterThanOrEqual(8);
    expect(await probe.pushTypes(scan.scanId)).toEqual(['scan_in_review', 'scan_completed']);
    expect((await userRef(firebase.db, uid).collection(Collections.scanHistory).count().get()).data().count).toBe(1);
    await maybeRecordHistory(handle, 'model-review-disagreement-estimate-beside-judgement');
  });
});
