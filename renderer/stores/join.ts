/**
 * The enrolment domain: joining a network with an invitation, or a registry address and token.
 * First the registry is inspected and its CA fingerprint shown for confirmation (checked against
 * the invitation's by the engine); then the node enrolls, pinning that fingerprint. The node's new
 * identity arrives as a state event like every other change.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { normalizeFingerprint, parseInvitation, type NodeIdentityT, type RegistryInfoT } from '../../app/ipc';
import { useApi } from '../composables/useApi';
import { commandRunner } from './command';

/** The join store. */
export const useJoinStore = defineStore('join', () => {
  const api = useApi();
  const invitation = ref('');
  const invitationError = ref<string | null>(null);
  const registryUrl = ref('');
  const token = ref('');
  /** The fingerprint the user was given (from the invitation or typed), if any. */
  const expectedFingerprint = ref('');
  /** What the registry said about itself, once inspected: the user confirms it next. */
  const registry = ref<RegistryInfoT | null>(null);
  /** The identity received, once enrolled. */
  const joined = ref<NodeIdentityT | null>(null);
  const command = commandRunner();

  /** Reads a pasted invitation into the fields, or explains what is wrong with it. */
  function pasteInvitation(text: string): void {
    invitation.value = text;
    if (text.trim() === '') {
      invitationError.value = null;
      return;
    }
    const parsed = parseInvitation(text);
    if (!parsed.ok) {
      invitationError.value = parsed.message;
      return;
    }
    invitationError.value = null;
    registryUrl.value = parsed.invitation.registryUrl;
    token.value = parsed.invitation.token;
    expectedFingerprint.value = parsed.invitation.caFingerprint;
  }

  /** Contacts the registry and shows its CA fingerprint. */
  async function inspect(): Promise<void> {
    const expected = normalizeFingerprint(expectedFingerprint.value);
    const info = await command.run(() =>
      api.join.inspect({ registryUrl: registryUrl.value.trim(), caFingerprint: expected || undefined }),
    );
    if (info) registry.value = info;
  }

  /** Enrols with the token, pinning the fingerprint the user confirmed. */
  async function enroll(): Promise<void> {
    const confirmed = registry.value;
    if (!confirmed) return;
    const identity = await command.run(() =>
      api.join.enroll({
        registryUrl: confirmed.registryUrl,
        token: token.value.trim(),
        caFingerprint: confirmed.caFingerprint,
      }),
    );
    if (identity) joined.value = identity;
  }

  /** Returns from the confirmation to the form. */
  function back(): void {
    registry.value = null;
    command.error.value = null;
  }

  /** Forgets the whole flow, for the next visit. */
  function reset(): void {
    invitation.value = registryUrl.value = token.value = expectedFingerprint.value = '';
    invitationError.value = null;
    registry.value = null;
    joined.value = null;
    command.error.value = null;
  }

  return {
    invitation,
    invitationError,
    registryUrl,
    token,
    expectedFingerprint,
    registry,
    joined,
    pending: command.pending,
    error: command.error,
    pasteInvitation,
    inspect,
    enroll,
    back,
    reset,
  };
});
