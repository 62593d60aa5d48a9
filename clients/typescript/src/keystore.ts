// The CLI's key store on this machine (Node.js only): `$SCF_HOME/keys/<name>.key`, default
// `~/.scf/keys`, with the built-in dev keys as the fallback for their names, as `scf --as NAME`.
import { Keypair, DEV_KEY_NAMES, KeyFileError } from "./keys.js";

export interface KeyStoreOptions {
  /** The store's home (default `$SCF_HOME`, else `~/.scf`); keys are in its `keys/`. */
  home?: string;
  /** The passphrase (default `$SCF_PASSPHRASE`, else the file named by `$SCF_PASSPHRASE_FILE`). */
  passphrase?: string;
}

const NAME = /^[a-z0-9_-]{1,32}$/;

/**
 * The key named `name`, as the CLI's `--as NAME` finds it: the stored key file (decrypted with the
 * passphrase), else the dev key of that name (dev chains only).
 */
export async function loadKey(name: string, options: KeyStoreOptions = {}): Promise<Keypair> {
  const { readFile } = await import("node:fs/promises");
  const { join } = await import("node:path");
  const { homedir } = await import("node:os");
  const home = options.home ?? process.env.SCF_HOME ?? join(homedir(), ".scf");
  if (NAME.test(name)) {
    let json: string | undefined;
    try {
      json = await readFile(join(home, "keys", `${name}.key`), "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    if (json !== undefined) return Keypair.fromKeyFile(json, await passphrase(options));
  }
  if ((DEV_KEY_NAMES as readonly string[]).includes(name)) return Keypair.dev(name);
  throw new KeyFileError(`no key named ${JSON.stringify(name)} in ${join(home, "keys")} (and it is no dev key)`);
}

async function passphrase(options: KeyStoreOptions): Promise<string> {
  if (options.passphrase !== undefined) return options.passphrase;
  if (process.env.SCF_PASSPHRASE !== undefined) return process.env.SCF_PASSPHRASE;
  const file = process.env.SCF_PASSPHRASE_FILE;
  if (file) {
    const { readFile } = await import("node:fs/promises");
    return (await readFile(file, "utf8")).replace(/[\r\n]+$/, "");
  }
  throw new KeyFileError("no passphrase for the key store: pass one, or set SCF_PASSPHRASE or SCF_PASSPHRASE_FILE");
}
