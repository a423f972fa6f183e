import { randomUUID } from 'node:crypto';
import type { BatchResponse, Messaging, MulticastMessage } from 'firebase-admin/messaging';
import { afterAll, describe, expect, it } from 'vitest';
import { createFirebase } from '../common/clients/firebase';
import { type DeviceRegistration, devicesCollection, registerDevice } from '../common/devices/repository';
import { fcmPushTransport } from '../worker/activities/push/fcm';
import type { PushMessage } from '../worker/activities/push/transport';
import { deviceRegistration, newInstallationId } from './helpers/devices';
import { newUserId } from './helpers/scan';
import { testConfig, uniqueTaskQueue } from './helpers/stack';

// The FCM transport against the device documents in Firestore (the emulator): one message per registered
// installation, and the installations FCM calls dead are removed. FCM's answers are given in-process
// by a stand-in of `sendEachForMulticast`, with the error codes and messages firebase-admin produces
// from FCM HTTP v1 answers, for the cases the HTTP stand-in does not cover (test/push-fcm.test.ts runs the
// real SDK against a stand-in of the HTTP v1 API).
type Answer = 'ok' | 'unregistered' | 'bad-token' | 'bad-message';
const ERRORS: Record<Exclude<Answer, 'ok'>, { code: string; message: string }> = {
  unregistered: { code: 'messaging/registration-token-not-registered', message: 'Requested entity was not found.' },
  'bad-token': { code: 'messaging/invalid-argument', message: 'The registration token is not a valid FCM registration token' },
  'bad-message': { code: 'messaging/invalid-argument', message: "Invalid value at 'message.data[0].value'" },
};

function fcmAnswering(answerFor: (token: string) => Answer, during?: () => Promise<void>) {
  const sent: MulticastMessage[] = [];
  const messaging: Pick<Messaging, 'sendEachForMulticast'> = {
    async sendEachForMulticast(multicast) {
      if (!('tokens' in multicast)) throw new Error('the transport sends to registration tokens');
      const message: MulticastMessage = multicast;
      sent.push(message);
      await during?.();
      const responses = message.tokens.map((token: string) => {
        const answer = answerFor(token);
        return answer === 'ok'
          ? { success: true, messageId: `projects/p/messages/${randomUUID()}` }
          : { success: false, error: ERRORS[answer] as never };
      });
      const successCount = responses.filter((r) => r.success).length;
      return { responses, successCount, failureCount: responses.length - successCount } as BatchResponse;
    },
  };
  return { messaging, sent };
}

describe('FCM transport: the member’s registered devices', () => {
  const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueTaskQueue('fcm-devices') });
  const firebase = createFirebase(config, `fcm-devices-${randomUUID()}`);
  afterAll(() => firebase.close());

  const message = (userId: string): PushMessage => ({
    userId,
    title: 'Your scan results are ready',
    body: 'Open the app to see them.',
    data: { type: 'scan_completed', scanId: 'scan_0123456789abcdef' },
    collapseKey: 'scan_0123456789abcdef:completed',
  });
  async function member(n: number) {
    const uid = newUserId();
    const devices: Array<DeviceRegistration & { installationId: string }> = [];
    for (let i = 0; i < n; i++) {
      const d = { installationId: newInstallationId(), ...deviceRegistration(), platform: 'android' as const };
      await registerDevice(firebase.db, uid, d.installationId, d, new Date(Date.now() + i));
      devices.push(d);
    }
    return { uid, devices };
  }
  const installed = async (uid: string) => (await devicesCollection(firebase.db, uid).get()).docs.map((d) => d.data());

  it('sends once to every installation; unregistered and invalid tokens are removed, the others stay', async () => {
    const { uid, devices } = await member(4);
    const [ok, gone, invalid, alsoOk] = devices.map((d) => d.token);
    const { messaging, sent } = fcmAnswering((t) => (t === gone ? 'unregistered' : t === invalid ? 'bad-token' : 'ok'));
    expect(await fcmPushTransport(messaging, firebase.db).send(message(uid))).toEqual({ delivered: 2 });
    expect(sent).toHaveLength(1);
    expect([...sent[0]!.tokens].sort()).toEqual(devices.map((d) => d.token).sort());
    expect(sent[0]).toMatchObject({
      notification: { title: 'Your scan results are ready', body: 'Open the app to see them.' },
      data: { type: 'scan_completed', scanId: 'scan_0123456789abcdef' },
      android: { collapseKey: 'scan_0123456789abcdef:completed' },
    });
    expect((await installed(uid)).map((d) => d.token).sort()).toEqual([ok, alsoOk].sort());
  });

  it('an INVALID_ARGUMENT about the message removes nothing and fails the send (retried by the activity)', async () => {
    const { uid, devices } = await member(2);
    const { messaging } = fcmAnswering(() => 'bad-message');
    await expect(fcmPushTransport(messaging, firebase.db).send(message(uid))).rejects.toMatchObject({
      name: 'PushNotAccepted',
      acceptedBy: [],
      message: 'FCM accepted 0 of 2 installations; 2 to retry (messaging/invalid-argument)',
    });
    expect((await installed(uid)).map((d) => d.token).sort()).toEqual(devices.map((d) => d.token).sort());
  });

  it('a token the app replaced while FCM answered is kept: only the dead token is removed', async () => {
    const { uid, devices } = await member(1);
    const phone = devices[0]!;
    const renewed = deviceRegistration();
    const { messaging } = fcmAnswering(
      (t) => (t === phone.token ? 'unregistered' : 'ok'),
      async () => void (await registerDevice(firebase.db, uid, phone.installationId, { ...renewed, platform: 'ios' }, new Date())),
    );
    expect(await fcmPushTransport(messaging, firebase.db).send(message(uid))).toEqual({ delivered: 0 });
    expect((await installed(uid)).map((d) => d.token)).toEqual([renewed.token]);
  });

  it('a member with no device: nothing is sent', async () => {
    const { messaging, sent } = fcmAnswering(() => 'ok');
    expect(await fcmPushTransport(messaging, firebase.db).send(message(newUserId()))).toEqual({ delivered: 0 });
    expect(sent).toEqual([]);
  });
});
