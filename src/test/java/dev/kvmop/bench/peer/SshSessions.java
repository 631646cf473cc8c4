package dev.kvmop.bench.peer;

import dev.kvmop.testing.OpenSshServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The sshd sessions each side holds on the shared loopback sshds: a session is a child of a
 * listener with everything under it. libvirt's run {@code virt-ssh-helper} (libvirt's qemu+ssh
 * relay to libvirtd's socket); the operator's run its login shell and the commands it sends.
 */
final class SshSessions {
  static final String HELPER = "/usr/bin/virt-ssh-helper";

  private SshSessions() {}

  /** Every pid in the sessions of one side, the session roots included. */
  static List<Long> pids(List<OpenSshServer> sshds, boolean libvirts) {
    List<Long> pids = new ArrayList<>();
    for (OpenSshServer sshd : sshds) {
      ProcessHandle.of(sshd.pid())
          .ifPresent(
              listener ->
                  listener
                      .children()
                      .forEach(
                          session -> {
                            List<ProcessHandle> tree =
                                Stream.concat(Stream.of(session), session.descendants()).toList();
                            if (tree.stream().anyMatch(SshSessions::isHelper) == libvirts) {
                              tree.forEach(p -> pids.add(p.pid()));
                            }
                          }));
    }
    return pids;
  }

  /** Bytes the running virt-ssh-helpers have read (from SSH and from libvirtd's socket). */
  static long helperBytesRead(List<OpenSshServer> sshds) {
    long bytes = 0;
    for (long pid : pids(sshds, true)) {
      if (ProcessHandle.of(pid).map(SshSessions::isHelper).orElse(false)) {
        bytes += rchar(pid);
      }
    }
    return bytes;
  }

  private static boolean isHelper(ProcessHandle p) {
    return p.info().command().map(HELPER::equals).orElse(false);
  }

  private static long rchar(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "io"))) {
        if (line.startsWith("rchar:")) {
          return Long.parseLong(line.substring(6).strip());
        }
      }
    } catch (IOException e) {
      // gone
    }
    return 0;
  }
}
