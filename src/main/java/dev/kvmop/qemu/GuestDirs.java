package dev.kvmop.qemu;

import java.nio.charset.StandardCharsets;

/**
 * Where a guest's files live on its host: {@code <workDir>/guests/<namespace>_<name>_<uid>/}. The
 * uid makes a recreated guest of the same name start with a fresh directory. The launcher redirects
 * qemu's stderr to {@link #qemuLog()}; the other files are named in the argv.
 */
public record GuestDirs(String dir) {
  public static final String PID = "pid";
  public static final String QMP_SOCKET = "qmp.sock";

  /**
   * Second QMP monitor, held by the host's event watcher so that a guest-initiated shutdown is
   * recorded (the operator's own QMP commands use {@link #QMP_SOCKET}).
   */
  public static final String EVENTS_SOCKET = "events.sock";

  /** Chardev id of the events monitor in the qemu argv. */
  public static final String EVENTS_CHARDEV = "kvmop-events";

  /** The guest's serial port, a unix socket that one console client at a time may attach to. */
  public static final String CONSOLE_SOCKET = "console.sock";

  /** Chardev id of the serial console in the qemu argv. */
  public static final String CONSOLE_CHARDEV = "kvmop-console";

  /** What the guest writes to its serial port, kept whether or not a console is attached. */
  public static final String SERIAL_LOG = "serial.log";

  /** The cloud-init NoCloud seed directory (qemu presents it as a FAT drive labelled cidata). */
  public static final String SEED = "seed";

  public static final String QEMU_LOG = "qemu.log";

  /** Linux sun_path holds 108 bytes including the terminating NUL. */
  public static final int MAX_UNIX_SOCKET_PATH = 107;

  public static GuestDirs of(String workDir, String namespace, String name, String uid) {
    if (workDir == null || !workDir.startsWith("/")) {
      throw new IllegalArgumentException("workDir must be absolute: " + workDir);
    }
    for (String part : new String[] {namespace, name, uid}) {
      if (part == null || part.isEmpty() || part.contains("/") || part.contains("\0")) {
        throw new IllegalArgumentException("invalid guest directory component: " + part);
      }
    }
    String base = workDir.replaceAll("/+$", "");
    return new GuestDirs(base + "/guests/" + namespace + "_" + name + "_" + uid);
  }

  public String pidFile() {
    return dir + "/" + PID;
  }

  public String qmpSocket() {
    return dir + "/" + QMP_SOCKET;
  }

  public String eventsSocket() {
    return dir + "/" + EVENTS_SOCKET;
  }

  public String consoleSocket() {
    return dir + "/" + CONSOLE_SOCKET;
  }

  public String serialLog() {
    return dir + "/" + SERIAL_LOG;
  }

  public String qemuLog() {
    return dir + "/" + QEMU_LOG;
  }

  /** The guest's own qcow2 file of its image or empty disk {@code index} (spec.disks[index]). */
  public String disk(int index) {
    return dir + "/disk-" + index + ".qcow2";
  }

  public String seedDir() {
    return dir + "/" + SEED;
  }

  /**
   * Whether every unix socket path of the guest (QMP, events, console) fits a unix socket address;
   * qemu cannot bind a longer one. Long workDirs and names (up to 253 characters) can exceed it.
   */
  public boolean socketsFit() {
    return java.util.stream.Stream.of(qmpSocket(), eventsSocket(), consoleSocket())
        .allMatch(p -> p.getBytes(StandardCharsets.UTF_8).length <= MAX_UNIX_SOCKET_PATH);
  }
}
