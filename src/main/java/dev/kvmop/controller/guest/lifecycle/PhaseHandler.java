package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.StatusSink;
import dev.kvmop.host.HostException;

/**
 * The handler of one or more phases. It changes the working copy, talks to the host, and returns
 * what comes next; it never calls another handler. A host failure it does not handle itself is
 * thrown, and the dispatcher records it. Every handler is idempotent: run again after a crash at
 * any point, it converges (a launch adopts the qemu that runs; the address comes back from status).
 */
@FunctionalInterface
interface PhaseHandler {
  /**
   * @param host the guest's host, known to be usable and answering
   * @param record puts the status on record now, before an action that must not precede it
   */
  Outcome handle(GuestRun run, HostDirectory.Entry host, StatusSink<KvmGuestStatus> record)
      throws HostException;
}
