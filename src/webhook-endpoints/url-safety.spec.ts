import { checkUrl, refusedAddress, safeLookup, UnsafeUrlError } from './url-safety';

const live = { allowLocal: false };
const resolvingTo = (...addresses: string[]) => (async () => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))) as never;

async function reason(url: string, resolve = resolvingTo('93.184.216.34')): Promise<string | undefined> {
  try {
    await checkUrl(url, live, resolve);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(UnsafeUrlError);
    return (error as Error).message;
  }
}

describe('webhook URL safety (server-side request forgery)', () => {
  it('accepts an https URL on a public address', async () => {
    expect(await reason('https://hooks.example.com/notifyx')).toBeUndefined();
  });

  it.each([
    ['plain http', 'http://hooks.example.com/x', /must be https/],
    ['not a URL', 'hooks.example.com', /absolute URL/],
    ['a user and password', 'https://user:pw@hooks.example.com/', /user or password/],
    ['a cloud metadata host name', 'https://metadata.google.internal/computeMetadata/v1/', /metadata host/],
  ])('refuses %s', async (_name, url, expected) => {
    expect(await reason(url)).toMatch(expected);
  });

  it.each([
    ['loopback', '127.0.0.1', /loopback/],
    ['IPv6 loopback', '::1', /loopback/],
    ['private 10/8', '10.1.2.3', /private/],
    ['private 172.16/12', '172.20.0.5', /private/],
    ['private 192.168/16', '192.168.1.10', /private/],
    ['link-local', '169.254.10.1', /link-local/],
    ['cloud metadata', '169.254.169.254', /metadata/],
    ['IPv6 unique local', 'fd12:3456::1', /unique local/],
    ['IPv6 link-local', 'fe80::1', /link-local/],
    ['IPv4-mapped loopback', '::ffff:127.0.0.1', /loopback/],
    ['carrier-grade NAT', '100.64.0.1', /shared/],
    ['unspecified', '0.0.0.0', /unspecified/],
  ])('refuses a host resolving to %s (%s)', async (_name, address, expected) => {
    expect(await reason('https://hooks.example.com/x', resolvingTo('93.184.216.34', address))).toMatch(expected);
    expect(refusedAddress(address)).toMatch(expected);
  });

  it('refuses an address literal in the URL without resolving it', async () => {
    expect(await reason('https://10.0.0.1/x', resolvingTo())).toMatch(/private/);
    expect(await reason('https://[::1]/x', resolvingTo())).toMatch(/loopback/);
  });

  it('refuses a host that does not resolve', async () => {
    const failing = (async () => { throw new Error('ENOTFOUND'); }) as never;
    expect(await reason('https://nowhere.invalid/x', failing)).toMatch(/does not resolve/);
  });

  it('checks again when connecting: the socket lookup refuses a name that resolves to a private address now', async () => {
    const lookup = safeLookup(live)!;
    const error = await new Promise<Error | null>((resolve) => lookup('localhost', {}, (err) => resolve(err)));
    expect(error?.message).toMatch(/loopback/);
  });

  it('sandbox mode allows http and local receivers (tests, a local run)', async () => {
    await expect(checkUrl('http://127.0.0.1:9999/hook', { allowLocal: true })).resolves.toBeUndefined();
    expect(safeLookup({ allowLocal: true })).toBeUndefined();
  });
});
