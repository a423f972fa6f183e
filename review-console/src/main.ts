import { initializeApp } from 'firebase/app';
import {
  type Auth,
  browserSessionPersistence,
  connectAuthEmulator,
  getMultiFactorResolver,
  initializeAuth,
  type MultiFactorError,
  type MultiFactorResolver,
  onAuthStateChanged,
  PhoneAuthProvider,
  PhoneMultiFactorGenerator,
  type PhoneMultiFactorInfo,
  RecaptchaVerifier,
  signInWithEmailAndPassword,
  signOut,
  type User,
} from 'firebase/auth';
import type { z } from 'zod';
import { bodyCompositionFigures } from '../../common/body-composition/figures';
import {
  type ReviewConsoleConfig,
  ReviewConsoleConfigSchema,
  type ReviewPacket,
  ReviewPacketSchema,
  type ReviewQueueItem,
  ReviewQueueResponseSchema,
  type ReviewRequest,
  ReviewResponseSchema,
} from '../../common/contracts/api';
import { type AgentName, AgentNameSchema } from '../../common/contracts/scan-results';
import { historyChart } from './chart';
import { duration, fixed, h } from './dom';

// The reviewer's console: sign in to the staff tenant with a password and a second factor (an SMS code),
// the queue from GET /api/reviews (ids, reasons and times only), one scan's packet from GET
// /api/reviews/{id} when opened, its four photos fetched from the API with the reviewer's token (shown as
// object URLs, released when the scan is left), the member's history, approve or reject with a note through
// POST /api/scans/{id}/review. Every answer is checked against the API's own zod contracts.
// `main[data-state]` names what is shown (signed-out, second-factor, loading, queue, empty, detail,
// not-reviewer, not-staff, error): people see it, tests wait on it.

type State = 'signed-out' | 'second-factor' | 'loading' | 'queue' | 'empty' | 'detail' | 'not-reviewer' | 'not-staff' | 'error';

const main = document.getElementById('main') as HTMLElement;
const account = document.getElementById('account') as HTMLElement;
const announcer = document.getElementById('announcer') as HTMLElement;

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(detail);
  }
}

let auth: Auth;
let config: ReviewConsoleConfig;
let queue: ReviewQueueItem[] = [];
let nextCursor: string | null = null;
/** Scans decided in this session: the API lists a scan until the workflow has left review (one step later). */
const decided = new Set<string>();
/** A message carried to the next view (e.g. after a decision). */
let notice: string | null = null;

/** Object URLs of the photos on screen: released as soon as another view replaces the scan. */
let photoUrls: string[] = [];
function releasePhotos() {
  for (const url of photoUrls) URL.revokeObjectURL(url);
  photoUrls = [];
}

function show(state: State, ...content: Node[]) {
  if (state !== 'detail') releasePhotos();
  main.dataset.state = state;
  main.replaceChildren(...content);
  const heading = main.querySelector<HTMLElement>('h2');
  if (heading) {
    heading.tabIndex = -1;
    heading.focus();
  }
}

const announce = (text: string) => {
  announcer.textContent = text;
};

/** One photo of the packet, fetched with the reviewer's token (the API never caches it), as an object URL. */
async function photoObjectUrl(url: string): Promise<string> {
  const user = auth.currentUser;
  if (!user) throw new ApiError(401, 'unauthenticated', 'You are signed out.');
  const res = await fetch(url, { headers: { authorization: `Bearer ${await user.getIdToken()}` }, cache: 'no-store' });
  if (!res.ok) throw new ApiError(res.status, 'photo_unavailable', `The photo could not be loaded (HTTP ${res.status}).`);
  return URL.createObjectURL(await res.blob());
}

async function api<S extends z.ZodType>(path: string, schema: S, init: RequestInit = {}): Promise<z.output<S>> {
  const user = auth.currentUser;
  if (!user) throw new ApiError(401, 'unauthenticated', 'You are signed out.');
  const token = await user.getIdToken();
  let res: Response;
  try {
    res = await fetch(`${config.apiBase}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(init.headers ?? {}) },
    });
  } catch {
    throw new ApiError(0, 'network_error', 'The server could not be reached.');
  }
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const p = (body ?? {}) as { code?: unknown; detail?: unknown; title?: unknown };
    throw new ApiError(res.status, String(p.code ?? 'error'), String(p.detail ?? p.title ?? `HTTP ${res.status}`));
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ApiError(res.status, 'unexpected_answer', 'The server answered in an unexpected shape.');
  return parsed.data;
}

// ---- signed out ----------------------------------------------------------------------------------

function signInView(message?: string) {
  account.replaceChildren();
  const error = h('p', { class: 'error', id: 'signin-error', role: 'alert' }, message ?? '');
  const email = h('input', { id: 'email', name: 'email', type: 'email', autocomplete: 'username', required: true }) as HTMLInputElement;
  const password = h('input', {
    id: 'password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  }) as HTMLInputElement;
  const submit = h('button', { type: 'submit' }, 'Sign in') as HTMLButtonElement;
  const form = h(
    'form',
    { class: 'signin', 'aria-describedby': 'signin-error' },
    h('h2', {}, 'Sign in'),
    h('p', {}, 'Reviewers sign in with their ReddyFit staff account.'),
    h('label', { for: 'email' }, 'Email'),
    email,
    h('label', { for: 'password' }, 'Password'),
    password,
    submit,
    error,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit.disabled = true;
    error.textContent = '';
    signInWithEmailAndPassword(auth, email.value.trim(), password.value).catch((err: { code?: string }) => {
      submit.disabled = false;
      if (err.code === 'auth/multi-factor-auth-required')
        return void secondFactorView(getMultiFactorResolver(auth, err as MultiFactorError));
      error.textContent =
        err.code === 'auth/invalid-credential' || err.code === 'auth/wrong-password' || err.code === 'auth/user-not-found'
          ? 'That email and password do not match a staff account.'
          : 'Sign-in failed. Check your connection and try again.';
    });
  });
  show('signed-out', form);
}

/** The second step: a code sent by SMS to the account's enrolled phone (Identity Platform checks it). */
function secondFactorView(resolver: MultiFactorResolver) {
  const hint = resolver.hints.find((h) => h.factorId === PhoneMultiFactorGenerator.FACTOR_ID) as PhoneMultiFactorInfo | undefined;
  if (!hint) return signInView('This account has no phone enrolled as its second factor. Ask an administrator to enrol one.');
  const error = h('p', { class: 'error', id: 'code-error', role: 'alert' });
  const code = h('input', {
    id: 'code',
    name: 'code',
    inputmode: 'numeric',
    autocomplete: 'one-time-code',
    pattern: '[0-9]{6}',
    maxlength: 6,
    required: true,
  }) as HTMLInputElement;
  const submit = h('button', { type: 'submit', disabled: true }, 'Verify') as HTMLButtonElement;
  const recaptcha = h('div', { id: 'recaptcha' });
  const form = h(
    'form',
    { class: 'signin', 'aria-describedby': 'code-error' },
    h('h2', {}, 'Second factor'),
    h('p', { id: 'code-sent' }, `Sending a code by SMS to ${hint.phoneNumber}…`),
    h('label', { for: 'code' }, 'Code from the SMS'),
    code,
    submit,
    recaptcha,
    error,
  );
  show('second-factor', form);
  const sent = form.querySelector('#code-sent') as HTMLElement;
  // Invisible reCAPTCHA: Identity Platform asks for it before sending an SMS (the emulator does not).
  const verifier = new RecaptchaVerifier(auth, recaptcha, { size: 'invisible' });
  let verificationId: string | undefined;
  new PhoneAuthProvider(auth)
    .verifyPhoneNumber({ multiFactorHint: hint, session: resolver.session }, verifier)
    .then((id) => {
      verificationId = id;
      sent.textContent = `A code was sent by SMS to ${hint.phoneNumber}.`;
      submit.disabled = false;
      code.focus();
    })
    .catch(() => {
      sent.textContent = 'The code could not be sent.';
      error.textContent = 'Sign in again to send a new code.';
    });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!verificationId) return;
    submit.disabled = true;
    error.textContent = '';
    const assertion = PhoneMultiFactorGenerator.assertion(PhoneAuthProvider.credential(verificationId, code.value.trim()));
    resolver
      .resolveSignIn(assertion)
      .then(() => verifier.clear())
      .catch((err: { code?: string }) => {
        submit.disabled = false;
        error.textContent =
          err.code === 'auth/invalid-verification-code' ? 'That code is not the one sent.' : 'The code could not be checked. Try again.';
      });
  });
}

function accountBar(user: User) {
  account.replaceChildren(
    h('span', { class: 'who' }, `Signed in as ${user.email ?? user.uid}`),
    h('button', { type: 'button', class: 'secondary', onclick: () => void signOut(auth) }, 'Sign out'),
  );
}

// ---- queue ---------------------------------------------------------------------------------------

const REASONS: Record<string, string> = {
  implausible_change: 'Change beyond what the body and the method explain',
  low_confidence: 'Low-confidence estimate',
};
const reasonText = (r: string) => REASONS[r] ?? r.replaceAll('_', ' ');

async function loadQueue(more = false) {
  if (!more) show('loading', h('h2', {}, 'Scans waiting for review'), h('p', {}, 'Loading the queue…'));
  try {
    const page = await api(
      `/reviews?limit=25${more && nextCursor ? `&cursor=${encodeURIComponent(nextCursor)}` : ''}`,
      ReviewQueueResponseSchema,
    );
    const items = page.items.filter((i) => !decided.has(i.scanId));
    queue = more ? [...queue, ...items] : items;
    nextCursor = page.nextCursor;
    queueView();
  } catch (err) {
    failure(err, 'The queue could not be loaded.');
  }
}

function queueView() {
  const heading = h('h2', {}, 'Scans waiting for review');
  const refresh = h('button', { type: 'button', class: 'secondary', onclick: () => void loadQueue() }, 'Refresh');
  const note = notice ? h('p', { class: 'notice', role: 'status' }, notice) : null;
  notice = null;
  if (!queue.length) {
    show(
      'empty',
      heading,
      ...(note ? [note] : []),
      h('p', { class: 'empty-state' }, 'No scans are waiting for review. New ones appear here as members scan.'),
      refresh,
    );
    announce('The review queue is empty.');
    return;
  }
  const rows = queue.map((item) =>
    h(
      'tr',
      { 'data-scan-id': item.scanId },
      h('th', { scope: 'row' }, h('code', {}, item.scanId)),
      h('td', {}, item.reasons.map(reasonText).join('; ') || '—'),
      h('td', {}, duration(item.waitingSeconds)),
      h('td', {}, `${duration(item.secondsLeft)} (then ${item.onTimeout === 'approve' ? 'approved' : 'rejected'})`),
      h(
        'td',
        {},
        h('button', { type: 'button', 'aria-label': `Open scan ${item.scanId}`, onclick: () => void detailView(item.scanId) }, 'Open'),
      ),
    ),
  );
  const table = h(
    'table',
    { class: 'queue' },
    h('caption', {}, `${queue.length} scan${queue.length === 1 ? '' : 's'}, oldest first`),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Scan'),
        h('th', { scope: 'col' }, 'Why'),
        h('th', { scope: 'col' }, 'Waiting'),
        h('th', { scope: 'col' }, 'Time left'),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Action')),
      ),
    ),
    h('tbody', {}, ...rows),
  );
  const more = nextCursor ? h('button', { type: 'button', class: 'secondary', onclick: () => void loadQueue(true) }, 'Load more') : null;
  show('queue', heading, ...(note ? [note] : []), table, h('div', { class: 'actions' }, refresh, ...(more ? [more] : [])));
  announce(`${queue.length} scans waiting for review.`);
}

// ---- one scan ------------------------------------------------------------------------------------

function dl(pairs: Array<[string, string]>) {
  return h('dl', { class: 'facts' }, ...pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function reasoning(item: ReviewPacket): HTMLElement | null {
  const p = item.deltas?.plausibility;
  if (!p || p.reason === 'first_scan') return null;
  const b = p.expectedBand;
  const ref = p.reference === 'trend' ? 'the smoothed trend' : 'the previous scan';
  return h(
    'p',
    { class: 'reasoning' },
    `Against ${ref}${p.days !== null ? ` (${fixed(p.days, 1)} days earlier)` : ''}: body fat changed by ${fixed(p.observed.bodyFatPercent, 2)} pp ` +
      `where up to ±${fixed(b.bodyFatPercent, 2)} pp is expected (physiology ${fixed(b.physiologyPp, 2)}, weight change ${fixed(b.weightExplainedPp, 2)}, ` +
      `method error ${fixed(b.measurementErrorPp, 2)}); weight changed by ${fixed(p.observed.weightKg, 2)} kg where up to ±${fixed(b.weightKg, 2)} kg is expected.`,
  );
}

/** Whether each change is beyond the day-to-day variation, in the words the member's report uses. */
function changeSignificance(item: ReviewPacket): HTMLElement[] {
  const d = item.deltas;
  const rows = (
    [
      ['Since the previous scan', d?.previous],
      ['About a week ago', d?.sevenDay],
      ['About a month ago', d?.thirtyDay],
    ] as const
  ).flatMap(([label, c]) => (c?.significance ? [[label, c.significance.summary] as [string, string]] : []));
  return rows.length ? [h('h4', {}, 'Change against day-to-day variation'), dl(rows)] : [];
}

const AGENTS: Record<AgentName, string> = {
  quality: 'Photo check',
  estimate: 'Estimate',
  deltas: 'Changes',
  insights: 'Insights',
  nutrition: 'Nutrition',
  workout: 'Workout',
  hydration: 'Hydration',
};

/** Which build, workflow type, model deployments and prompt versions produced this scan's output (issue 25). */
function provenanceSection(item: ReviewPacket): HTMLElement {
  const p = item.provenance;
  const body = p
    ? dl([
        ['Build', p.buildId],
        ['Workflow type', p.workflowType],
        ...AgentNameSchema.options.flatMap((name): Array<[string, string]> => {
          const a = p.agents[name];
          if (!a) return [];
          return [
            [
              AGENTS[name],
              a.source === 'model'
                ? `model deployment ${a.deployment} (${a.provider}), prompt ${a.promptVersion}`
                : 'deterministic code, no model',
            ],
          ];
        }),
      ])
    : h('p', {}, 'Not recorded for this scan.');
  return h(
    'section',
    { 'aria-labelledby': 'provenance-h', class: 'provenance' },
    h('h3', { id: 'provenance-h' }, 'How it was produced'),
    body,
  );
}

/** Opens one scan: its packet is read now (the API audits each opening), never kept with the queue. */
async function detailView(scanId: string) {
  show('loading', h('h2', {}, 'Scan ', h('code', {}, scanId)), h('p', {}, 'Loading the scan…'));
  let item: ReviewPacket;
  try {
    item = await api(`/reviews/${encodeURIComponent(scanId)}`, ReviewPacketSchema);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      notice = `Scan ${scanId} is no longer waiting for you (decided by someone else, or ended); the queue was reloaded.`;
      return void loadQueue();
    }
    return failure(err, 'The scan could not be opened.');
  }
  const m = item.measurements;
  const e = item.estimate;
  const back = h('button', { type: 'button', class: 'secondary', onclick: () => queueView() }, 'Back to the queue');
  const photos = h(
    'div',
    { class: 'photos', role: 'group', 'aria-label': 'The four photos of this scan' },
    ...item.photos.map((p) =>
      h(
        'figure',
        {},
        h('img', { alt: `${p.angle} photo`, width: 300, height: 400, 'data-angle': p.angle, 'data-photo-url': p.url }),
        h('figcaption', {}, p.angle[0]?.toUpperCase() + p.angle.slice(1)),
      ),
    ),
  );
  const history = [
    ...item.history.filter((p) => Date.parse(p.takenAt) < Date.parse(m.capturedAt)),
    ...(e ? [{ takenAt: m.capturedAt, bodyFatPercent: e.bodyFatPercent, weightKg: e.weightKg, current: true }] : []),
  ];
  const noteField = h('textarea', { id: 'note', name: 'note', rows: 3, maxlength: 2000 }) as HTMLTextAreaElement;
  const result = h('p', { id: 'decision-result', role: 'alert', class: 'error' });
  const approve = h('button', { type: 'button', class: 'approve' }, 'Approve') as HTMLButtonElement;
  const reject = h('button', { type: 'button', class: 'reject' }, 'Reject') as HTMLButtonElement;
  const decide = async (decision: ReviewRequest['decision']) => {
    approve.disabled = reject.disabled = true;
    result.textContent = '';
    try {
      const notes = noteField.value.trim();
      await api(`/scans/${encodeURIComponent(scanId)}/review`, ReviewResponseSchema, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ decision, ...(notes ? { notes } : {}) }),
      });
      decided.add(scanId);
      notice =
        decision === 'approve'
          ? `Approved ${scanId}: the member's scan continues to results.`
          : `Rejected ${scanId}: the member is told and the credit comes back.`;
      await loadQueue();
    } catch (err) {
      approve.disabled = reject.disabled = false;
      result.textContent =
        err instanceof ApiError && err.status === 410
          ? 'This scan has already been decided or has ended.'
          : `The decision was not recorded: ${err instanceof Error ? err.message : 'unknown error'}`;
    }
  };
  approve.addEventListener('click', () => void decide('approve'));
  reject.addEventListener('click', () => void decide('reject'));

  show(
    'detail',
    h('h2', {}, 'Scan ', h('code', {}, scanId)),
    back,
    h(
      'section',
      { 'aria-labelledby': 'why-h', class: 'why' },
      h('h3', { id: 'why-h' }, 'Why it is waiting'),
      h('ul', {}, ...item.reasons.map((r) => h('li', {}, reasonText(r)))),
      reasoning(item),
      dl([
        ['Waiting', duration(item.waitingSeconds)],
        ['Time left', duration(item.secondsLeft)],
        ['Without a decision', item.onTimeout === 'approve' ? 'approved at the deadline' : 'rejected at the deadline'],
      ]),
    ),
    h('section', { 'aria-labelledby': 'photos-h' }, h('h3', { id: 'photos-h' }, 'Photos'), photos),
    h(
      'div',
      { class: 'columns' },
      h(
        'section',
        { 'aria-labelledby': 'numbers-h' },
        h('h3', { id: 'numbers-h' }, 'Measurements and estimate'),
        dl([
          ['Weight', `${fixed(m.weightKg)} kg`],
          ['Height', `${fixed(m.heightCm, 0)} cm`],
          ['Age', String(m.age)],
          ['Sex', m.sex],
          ['Captured', new Date(m.capturedAt).toISOString().replace('T', ' ').slice(0, 16)],
          ...(e
            ? ([
                // As the member's report words them: each figure with its 95 % range.
                ...bodyCompositionFigures(e).map((f): [string, string] => [
                  f.label,
                  f.range ? `${f.value} (95 % range ${f.range})` : f.value,
                ]),
                [
                  'Method',
                  e.method === 'anthropometric-prior'
                    ? 'equations from weight, height, age and sex'
                    : 'photo model fused with the equations',
                ],
                ['Confidence', `${Math.round(e.confidence * 100)} %`],
              ] as Array<[string, string]>)
            : ([['Estimate', 'not recorded for this scan']] as Array<[string, string]>)),
        ]),
        ...changeSignificance(item),
      ),
      h('section', { 'aria-labelledby': 'history-h' }, h('h3', { id: 'history-h' }, 'History'), historyChart(history, 'history')),
    ),
    provenanceSection(item),
    h(
      'form',
      { class: 'decision', 'aria-labelledby': 'decision-h' },
      h('h3', { id: 'decision-h' }, 'Decision'),
      h('label', { for: 'note' }, 'Note for the record (optional, no more than 2000 characters)'),
      noteField,
      h('div', { class: 'actions' }, approve, reject),
      result,
    ),
  );
  await loadPhotos(photos);
}

/** Fills the packet's photos in; a photo that cannot be loaded says so in its place. */
async function loadPhotos(photos: HTMLElement) {
  const imgs = [...photos.querySelectorAll<HTMLImageElement>('img[data-photo-url]')];
  await Promise.all(
    imgs.map(async (img) => {
      try {
        const url = await photoObjectUrl(img.dataset.photoUrl as string);
        // The reviewer may have left this scan meanwhile: then the photo is released at once.
        if (!main.contains(img)) {
          URL.revokeObjectURL(url);
          return;
        }
        photoUrls.push(url);
        img.src = url;
      } catch {
        img.alt = `${img.dataset.angle ?? ''} photo could not be loaded`;
      }
    }),
  );
}

// ---- failures ------------------------------------------------------------------------------------

function failure(err: unknown, what: string) {
  if (err instanceof ApiError && err.status === 403 && err.code === 'reviewer_role_required') {
    const user = auth.currentUser;
    show(
      'not-reviewer',
      h('h2', {}, 'Not a reviewer'),
      h(
        'p',
        {},
        `You are signed in as ${user?.email ?? 'this account'}, but it has no reviewer role, so the review queue is not shown. ` +
          'Ask an administrator for the reviewer role, or sign out and sign in with a reviewer account.',
      ),
      h('button', { type: 'button', onclick: () => void signOut(auth) }, 'Sign out'),
    );
    return;
  }
  if (err instanceof ApiError && (err.code === 'staff_sign_in_required' || err.code === 'second_factor_required')) {
    const user = auth.currentUser;
    show(
      'not-staff',
      h('h2', {}, 'Staff sign-in required'),
      h(
        'p',
        {},
        err.code === 'second_factor_required'
          ? `${user?.email ?? 'This account'} signed in without a second factor. Staff accounts need a phone enrolled as one: ask an administrator.`
          : `${user?.email ?? 'This account'} is not a staff account. Sign out and sign in with your staff account.`,
      ),
      h('button', { type: 'button', onclick: () => void signOut(auth) }, 'Sign out'),
    );
    return;
  }
  if (err instanceof ApiError && err.code === 'reauthentication_required') {
    void signOut(auth).then(() => signInView('Your sign-in is too old for reviewing. Please sign in again.'));
    return;
  }
  if (err instanceof ApiError && (err.status === 401 || err.code === 'unauthenticated')) {
    void signOut(auth).then(() => signInView('Your session has ended. Please sign in again.'));
    return;
  }
  const detail = err instanceof ApiError ? `${err.message} (${err.code})` : 'Something went wrong.';
  show(
    'error',
    h('h2', {}, 'Something went wrong'),
    h('p', { class: 'error', role: 'alert' }, `${what} ${detail}`),
    h('button', { type: 'button', onclick: () => void loadQueue() }, 'Try again'),
  );
}

// ---- start ---------------------------------------------------------------------------------------

async function start() {
  try {
    const res = await fetch('config.json', { headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`config ${res.status}`);
    config = ReviewConsoleConfigSchema.parse(await res.json());
  } catch {
    show(
      'error',
      h('h2', {}, 'The console is not available'),
      h('p', { class: 'error', role: 'alert' }, 'Its sign-in settings could not be loaded from this server. Try again later.'),
    );
    return;
  }
  const app = initializeApp(config.firebase);
  // Session persistence: the sign-in lasts for this tab only. No popup/redirect resolver: no third-party frames.
  auth = initializeAuth(app, { persistence: browserSessionPersistence });
  // Staff accounts live in their own tenant, apart from members' accounts.
  auth.tenantId = config.staffTenantId;
  if (config.authEmulatorUrl) connectAuthEmulator(auth, config.authEmulatorUrl, { disableWarnings: true });
  onAuthStateChanged(auth, (user) => {
    if (!user) return signInView();
    accountBar(user);
    void loadQueue();
  });
}

void start();
