/** The OpenVPN config writer emits only its fixed directive set, pins the peer, and refuses unsafe values. */
import { describe, expect, it } from 'vitest';
import { ConfigValueError } from '../../helper/config/directives';
import {
  ACCEPTED_PUSH_PREFIXES,
  clientConfig,
  listenerConfig,
  type ClientFields,
} from '../../helper/config/openvpn';

const tls = {
  ca: '/var/lib/vifibnet/helper/credentials/ca.crt',
  cert: '/s/node.crt',
  key: '/s/node.key',
  crl: null,
};
const client: ClientFields = {
  device: 'vfbc-1',
  protocol: 'udp',
  remote: '198.18.0.1',
  port: 1194,
  peerName: 'node-a',
  tls,
};

/** Directives that could run code, read arbitrary files or open a control channel. */
const FORBIDDEN = [
  /^up\b/,
  /^down\b/,
  /^plugin\b/,
  /^management/,
  /^log\b/,
  /^log-append\b/,
  /^config\b/,
  /^status\b/,
  /^client-connect/,
  /^client-disconnect/,
  /^learn-address/,
  /^tls-verify/,
  /^auth-user-pass-verify/,
  /^ipchange/,
  /^route-up/,
  /^route-pre-down/,
  /^client-to-client/,
  /^remote-cert-tls/,
  /^compress\b/,
  /^comp-lzo/,
];

function directives(text: string): string[] {
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}

describe('openvpn config writer', () => {
  it('writes a tap client that pins the peer name and accepts only negotiation pushes', () => {
    const lines = directives(clientConfig(client));
    expect(lines).toContain('client');
    expect(lines).toContain('dev vfbc-1');
    expect(lines).toContain('dev-type tap');
    expect(lines).toContain('remote 198.18.0.1 1194');
    expect(lines).toContain('verify-x509-name node-a name');
    expect(lines).toContain('dh none');
    expect(lines).toContain('allow-compression no');
    expect(lines).toContain('persist-tun');
    expect(lines).toContain('ifconfig-noexec');
    expect(lines).toContain('route-noexec');
    expect(lines.find((l) => l.startsWith('data-ciphers '))).toMatch(
      /^data-ciphers (AES-\d+-GCM|CHACHA20-POLY1305)(:(AES-\d+-GCM|CHACHA20-POLY1305))*$/,
    );
    const filters = lines.filter((l) => l.startsWith('pull-filter'));
    expect(filters.at(-1)).toBe('pull-filter ignore ""');
    expect(filters.slice(0, -1)).toEqual(ACCEPTED_PUSH_PREFIXES.map((p) => `pull-filter accept "${p}"`));
    expect(lines).toContain(`ca ${tls.ca}`);
    expect(lines.some((l) => l.startsWith('crl-verify'))).toBe(false);
  });

  it('writes a tap server on one port without client-to-client', () => {
    const text = listenerConfig({
      device: 'vfbs-udp',
      protocol: 'udp',
      port: 1194,
      maxClients: 8,
      tls: { ...tls, crl: '/s/crl.pem' },
    });
    const lines = directives(text);
    for (const d of [
      'mode server',
      'tls-server',
      'dev vfbs-udp',
      'dev-type tap',
      'proto udp',
      'port 1194',
      'max-clients 8',
      'crl-verify /s/crl.pem',
    ]) {
      expect(lines).toContain(d);
    }
    expect(lines.some((l) => l.startsWith('keepalive '))).toBe(true);
    expect(
      directives(listenerConfig({ device: 'vfbs-tcp', protocol: 'tcp', port: 443, maxClients: 1, tls })),
    ).toContain('proto tcp-server');
  });

  it('never writes a dangerous directive, and script-security stays at most 1', () => {
    for (const text of [
      clientConfig(client),
      clientConfig({ ...client, protocol: 'tcp', remote: 'peer.example.org' }),
      listenerConfig({ device: 'vfbs-udp', protocol: 'udp', port: 1, maxClients: 1024, tls }),
    ]) {
      for (const line of directives(text)) {
        for (const re of FORBIDDEN) expect(line, line).not.toMatch(re);
        const ss = /^script-security (\d+)/.exec(line);
        if (ss) expect(Number(ss[1])).toBeLessThanOrEqual(1);
      }
    }
  });

  it('refuses values that could smuggle a directive', () => {
    const bad: Array<Partial<ClientFields>> = [
      { remote: '198.18.0.1\nplugin /tmp/x.so' },
      { remote: 'host 1194 udp' },
      { peerName: 'node-a name\nup /bin/sh' },
      { peerName: '"quoted"' },
      { device: 'eth0' },
      { device: 'vfb0;reboot' },
      { port: 0 },
      { port: 70000 },
      { port: 1.5 },
      { tls: { ...tls, key: 'relative/key' } },
      { tls: { ...tls, key: '/s/../etc/shadow' } },
      { tls: { ...tls, crl: '/s/crl.pem\nplugin x' } },
    ];
    for (const b of bad)
      expect(() => clientConfig({ ...client, ...b }), JSON.stringify(b)).toThrow(ConfigValueError);
    expect(() =>
      listenerConfig({ device: 'vfbs-udp', protocol: 'udp', port: 1194, maxClients: 0, tls }),
    ).toThrow(ConfigValueError);
  });
});
