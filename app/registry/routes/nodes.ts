/** Endpoints of nodes: enrolment with a token, and the certificate-signed renew, announce, bootstrap. */
import { enroll, renew } from '../enrollment';
import { route } from '../http-server';
import { announce, bootstrap } from '../peers';
import { API_PREFIX, EnrollRequest, SignedEnvelope } from '../protocol';

/** `POST /v1/enroll`, `/v1/renew`, `/v1/announce`, `/v1/bootstrap`. */
export const nodeRoutes = [
  route({ method: 'POST', path: `${API_PREFIX}/enroll`, status: 201, body: EnrollRequest, handle: enroll }),
  route({ method: 'POST', path: `${API_PREFIX}/renew`, status: 201, body: SignedEnvelope, handle: renew }),
  route({ method: 'POST', path: `${API_PREFIX}/announce`, body: SignedEnvelope, handle: announce }),
  route({ method: 'POST', path: `${API_PREFIX}/bootstrap`, body: SignedEnvelope, handle: bootstrap }),
];
