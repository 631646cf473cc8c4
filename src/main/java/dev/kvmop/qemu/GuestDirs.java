package dev.kvmop.qemu;

import java.nio.charset.StandardCharsets;

/**
 * Where a guest's files live on its host: {@code <workDir>/guests/<namespace>_<name>_<uid>/}. The
 * uid makes a recreated guest of the same name start with a fresh directory. The launcher redirects
 * qemu's stderr to {@link #qemuLog()}; the other files are named in the argv.
 *
 * <p>A directory name holds at most {@link #MAX_NAME_BYTES} bytes, but a namespace (63), a name
 * (253) and a uid (36) make up to 354: a longer one is {@code <namespace>_<name prefix>~_<uid>},
 * exactly 255 bytes. The uid alone keeps it unique; the '~' (never part of a Kubernetes name) tells
 * a shortened name from a whole one. Names that fit keep the plain form, so the directories of
 * guests launched before shortening existed stay where they are.
 *
 * <p>The unix sockets are bound and connected by their basename from inside the directory (the
 * launcher starts qemu there, the host scripts chdir there): sun_path holds only 107 bytes, which a
 * long workDir or name would exceed as an absolute path.
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

  /** NAME_MAX of Linux filesystems (ext4, xfs, btrfs, tmpfs): bytes in one path component. */
  public static final int MAX_NAME_BYTES = 255;

  /** Marks a name shortened to fit {@link #MAX_NAME_BYTES}; no Kubernetes name contains it. */
  public static final String SHORTENED = "~";

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
    return new GuestDirs(base + "/guests/" + leaf(namespace, name, uid));
  }

  /**
   * The directory's own name. Kubernetes names are ASCII, so characters are bytes here; a namespace
   * and uid too long to leave room for one character of the name are refused (none exist).
   */
  static String leaf(String namespace, String name, String uid) {
    String whole = namespace + "_" + name + "_" + uid;
    if (whole.getBytes(StandardCharsets.UTF_8).length <= MAX_NAME_BYTES) {
      return whole;
    }
    int room = MAX_NAME_BYTES - (namespace + "_" + SHORTENED + "_" + uid).length();
    if (room < 1 || !isAscii(whole)) {
      throw new IllegalArgumentException(
          "guest directory name longer than " + MAX_NAME_BYTES + " bytes: " + whole);
    }
    return namespace + "_" + name.substring(0, room) + SHORTENED + "_" + uid;
  }

  private static boolean isAscii(String s) {
    return s.chars().allMatch(c -> c < 0x80);
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
}
