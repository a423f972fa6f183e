import { DeviceListResponseSchema, DeviceParamsSchema, DeviceSchema, PutDeviceRequestSchema } from '../../common/contracts/api';
import { type DeviceDocument, MAX_DEVICES_PER_MEMBER } from '../../common/contracts/devices';
import { listDevices, registerDevice, removeDevice } from '../../common/devices/repository';
import { RefusedError } from '../../common/scans/repository';
import { problemOf } from '../errors';
import { KeyedLock } from '../framework/keyed-lock';
import { defineHttp } from '../framework/types';

// The member's app installations that receive push (users/{uid}/devices). Each member sees and changes
// only their own; no answer ever carries a token.

/** One member's registrations run one at a time per process (the limit and the token moves are read-then-write). */
const memberLock = new KeyedLock();

const view = ({ token: _, ...device }: DeviceDocument) => device;

export const listMyDevices = defineHttp({
  kind: 'http',
  name: 'listMyDevices',
  route: 'me/devices',
  methods: ['GET'],
  auth: 'member',
  summary: "The caller's registered app installations, most recently refreshed first (without their tokens)",
  tags: ['account'],
  responses: {
    200: { description: 'the installations', schema: DeviceListResponseSchema },
  },
  async handler({ principal, deps }) {
    return { status: 200, body: { items: (await listDevices(deps.db, principal.uid)).map(view) } };
  },
});

export const putMyDevice = defineHttp({
  kind: 'http',
  name: 'putMyDevice',
  route: 'me/devices/{installationId}',
  methods: ['PUT'],
  auth: 'member',
  summary: `Register or refresh one app installation for push: a new token replaces the old one; at most ${MAX_DEVICES_PER_MEMBER} per member (the least recently refreshed is dropped)`,
  tags: ['account'],
  params: DeviceParamsSchema,
  body: PutDeviceRequestSchema,
  responses: {
    201: { description: 'registered', schema: DeviceSchema },
    200: { description: 'refreshed', schema: DeviceSchema },
    400: { description: 'invalid request', codes: ['validation_failed', 'malformed_json', 'body_required'] },
    409: { description: "the member's erasure is running", codes: ['erasure_in_progress'] },
    413: { description: 'body too large', codes: ['payload_too_large'] },
    415: { description: 'not JSON', codes: ['unsupported_media_type'] },
  },
  async handler({ params, body, principal, deps }) {
    try {
      const { device, created } = await memberLock.run(principal.uid, () =>
        registerDevice(deps.db, principal.uid, params.installationId, body, deps.now()),
      );
      return { status: created ? 201 : 200, body: view(device) };
    } catch (err) {
      if (err instanceof RefusedError)
        throw problemOf(err, { detail: 'no device can be registered while your erasure runs (GET /api/me/erasure)' });
      throw err;
    }
  },
});

export const deleteMyDevice = defineHttp({
  kind: 'http',
  name: 'deleteMyDevice',
  route: 'me/devices/{installationId}',
  methods: ['DELETE'],
  auth: 'member',
  summary: 'Remove one app installation (on sign-out): it gets no more push. Idempotent',
  tags: ['account'],
  params: DeviceParamsSchema,
  responses: {
    204: { description: 'removed (or was not registered)' },
    400: { description: 'invalid installation id', codes: ['validation_failed'] },
  },
  async handler({ params, principal, deps }) {
    await memberLock.run(principal.uid, () => removeDevice(deps.db, principal.uid, params.installationId));
    return { status: 204 };
  },
});
