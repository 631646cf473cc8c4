package dev.kvmop.host;

import java.util.List;

/**
 * What to launch for one guest.
 *
 * @param guestDir absolute guest directory on the host (pidfile, QMP socket, logs live there)
 * @param argv the exact qemu argv (binary first), as built by {@code qemu.QemuArgs}
 * @param uuid the guest's identity (metadata.uid), also passed to qemu as -uuid
 * @param runAs the user qemu drops to (-runas in argv), who alone gets the guest directory; null:
 *     the SSH user
 */
public record GuestLaunch(String guestDir, List<String> argv, String uuid, String runAs) {
  public GuestLaunch(String guestDir, List<String> argv, String uuid) {
    this(guestDir, argv, uuid, null);
  }

  public GuestLaunch {
    argv = List.copyOf(argv);
  }
}
