import { type Config, ConfigError, loadConfig, loadStartupConfig, type StartupConfig } from '../config';
import { KeyVaultUnavailableError, keyVaultSecretSource, type SecretSource } from './key-vault';
import { type SecretReader, secretsFor } from './secret-settings';

type Env = Record<string, string | undefined>;

/** What a process waits for before it can work: secret names and settings, never values. */
export interface Waiting {
  ready: false;
  /** Secrets to put in (or fix in) Key Vault, by secret name, with what is wrong. */
  secrets: Array<{ setting: string; secret?: string; problem: string }>;
  /** Set when the vault itself could not be read. */
  vault?: string;
}
export type ConfigState = { ready: true; config: Config } | Waiting;

export interface ConfigGate {
  /** Every setting but the secrets, valid from the start. */
  readonly startup: StartupConfig;
  current(): ConfigState;
  /** Resolves once the secrets are in and the whole configuration is valid. */
  ready(): Promise<Config>;
  /** Stops looking for secrets (shutdown while waiting). */
  close(): void;
}

export interface ConfigGateOptions {
  /** Defaults to Key Vault at KEY_VAULT_URL by the process's identity. */
  source?: SecretSource;
  log?: (msg: string, fields: Record<string, unknown>) => void;
}

const jsonLog = (msg: string, fields: Record<string, unknown>) => console.log(JSON.stringify({ msg, ...fields }));

/** For entry points: the gate, or the bad settings printed and exit 78 (a missing secret is waited for, not fatal). */
export function startConfigGateOrExit(reader: SecretReader, env: Env = process.env, opts: ConfigGateOptions = {}): ConfigGate {
  try {
    return startConfigGate(reader, env, opts);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(78); // EX_CONFIG
  }
}

/**
 * A process's configuration, completed from Key Vault. Without KEY_VAULT_URL it is ready at once (or throws
 * ConfigError, as loadConfig). With it, the secret settings the environment lacks are read from the vault,
 * from `reader`'s own secrets (it holds a role on those alone: asking for another would be refused);
 * while one is missing or invalid the process stays up and says, by secret name, what it waits for, and
 * looks again every KEY_VAULT_REFRESH_SECONDS. A bad non-secret setting throws ConfigError at once.
 * Secrets are read once: a rotated secret is picked up on the next restart (old payload keys stay
 * readable through PAYLOAD_DECRYPTION_KEYS).
 */
export function startConfigGate(reader: SecretReader, env: Env = process.env, opts: ConfigGateOptions = {}): ConfigGate {
  const startup = loadStartupConfig(env);
  const log = opts.log ?? jsonLog;
  if (!startup.KEY_VAULT_URL) {
    const config = loadConfig(env);
    return { startup, current: () => ({ ready: true, config }), ready: async () => config, close() {} };
  }
  const source = opts.source ?? keyVaultSecretSource(startup.KEY_VAULT_URL);
  const own = secretsFor(reader);
  const fromVault = own.filter((s) => !env[s.setting]);
  let state: ConfigState = {
    ready: false,
    secrets: fromVault.map(({ setting, secret }) => ({ setting, secret, problem: 'not read yet' })),
  };
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let lastReport = '';
  let resolveReady: (config: Config) => void = () => {};
  const readyPromise = new Promise<Config>((resolve) => {
    resolveReady = resolve;
  });

  const attempt = async (): Promise<ConfigState> => {
    let values: Map<string, string>;
    try {
      values = await source.read(fromVault.map((s) => s.secret));
    } catch (err) {
      const vault = err instanceof KeyVaultUnavailableError ? err.reason : 'the vault did not answer';
      return { ready: false, vault, secrets: state.ready ? [] : state.secrets };
    }
    const merged: Env = { ...env };
    for (const { setting, secret } of fromVault) merged[setting] = values.get(secret);
    try {
      return { ready: true, config: loadConfig(merged) };
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      // Only secret settings can be wrong here: the rest passed at start-up (the messages echo no value).
      return {
        ready: false,
        secrets: err.problems.map(({ setting, message }) => {
          const secret = own.find((s) => s.setting === setting)?.secret;
          if (!secret) return { setting, problem: message };
          const missing = fromVault.some((s) => s.secret === secret) && !values.has(secret);
          return { setting, secret, problem: missing ? 'not in the vault (or not granted to this app)' : message };
        }),
      };
    }
  };

  const tick = async () => {
    state = await attempt();
    if (closed) return;
    if (state.ready) {
      log('configuration complete: secrets read from Key Vault', { secrets: fromVault.map((s) => s.secret) });
      resolveReady(state.config);
      return;
    }
    const report = JSON.stringify([state.vault, state.secrets]);
    if (report !== lastReport) {
      lastReport = report;
      log('waiting for Key Vault secrets; healthy but not serving until they are there', {
        vault: state.vault,
        secrets: state.secrets.map((s) => `${s.secret ?? s.setting}: ${s.problem}`),
        retryInSeconds: startup.KEY_VAULT_REFRESH_SECONDS,
      });
    }
    timer = setTimeout(() => void tick(), startup.KEY_VAULT_REFRESH_SECONDS * 1000);
    timer.unref();
  };
  void tick();

  return {
    startup,
    current: () => state,
    ready: () => readyPromise,
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}
