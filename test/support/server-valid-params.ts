/**
 * One valid parameter object per helper operation, type-checked against the protocol, for tests
 * that need a request the server accepts (or a starting point to mutate into one it refuses).
 */
import type { OperationName, OperationParams } from '../../helper/protocol';

const PEM_BODY = 'MIIBszCCAVmgAwIBAgIUQk1u\nZXRzZXJ2ZXItdGVzdC1vbmx5\n';

/** A syntactically valid PEM block of the given type (not a real certificate). */
export function pemBlock(type: string): string {
  return `-----BEGIN ${type}-----\n${PEM_BODY}-----END ${type}-----\n`;
}

/** Valid params for every operation. */
export const VALID_PARAMS: { [O in OperationName]: OperationParams<O> } = {
  hello: {},
  status: {},
  'device.create': { name: 'vfb0', mode: 'tun' },
  'device.remove': { name: 'vfb0' },
  'network.configure': {
    networkPrefix: 'fd12:3456:789a::/48',
    nodePrefix: 'fd12:3456:789a:1::/64',
    address: 'fd12:3456:789a:1::1',
  },
  'network.clear': {},
  'credentials.install': {
    ca: pemBlock('CERTIFICATE'),
    cert: pemBlock('CERTIFICATE'),
    key: pemBlock('PRIVATE KEY'),
  },
  'credentials.setCrl': { crl: pemBlock('X509 CRL') },
  'openvpn.listen': { protocol: 'udp', port: 1194, maxClients: 16 },
  'openvpn.unlisten': { protocol: 'udp' },
  'openvpn.connect': {
    device: 'vfb-c1',
    remote: 'peer1.example.net',
    port: 1194,
    protocol: 'udp',
    peerName: 'node-1.mesh',
  },
  'openvpn.disconnect': { device: 'vfb-c1' },
  'babel.configure': {
    helloInterval: 0.5,
    interfaces: [{ name: 'vfb-c1', type: 'tunnel' }],
    redistribute: 'fd12:3456:789a:1::/64',
  },
  'babel.stop': {},
  'babel.drain': { interface: 'vfb-c1' },
  shutdown: {},
};
