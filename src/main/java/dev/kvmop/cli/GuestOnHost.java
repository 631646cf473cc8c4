package dev.kvmop.cli;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.host.SshTarget;

/**
 * A guest as the command line reaches it: how to connect to its host, exactly as the operator does
 * (the KvmHost's address, Secret and expected host key), and its directory there.
 *
 * @param guest namespace/name of the KvmGuest
 * @param host namespace/name of its KvmHost
 * @param phase the guest's phase, or null before its first reconcile
 * @param target the SSH target of the host; holds the Secret's key, never printed
 * @param guestDir the guest's directory on the host
 */
record GuestOnHost(String guest, String host, GuestPhase phase, SshTarget target, String guestDir) {
  @Override
  public String toString() {
    return "GuestOnHost[" + guest + " on " + host + "]";
  }
}
