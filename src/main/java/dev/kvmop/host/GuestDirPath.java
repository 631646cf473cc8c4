package dev.kvmop.host;

/** Guest directory paths as the host verbs accept them. */
final class GuestDirPath {
  private GuestDirPath() {}

  /**
   * The workDir of a guest directory {@code <workDir>/guests/<leaf>}; anything else is refused here
   * already, before the host script refuses it again.
   */
  static String workDirOf(String guestDir) throws HostException {
    int i = guestDir == null ? -1 : guestDir.lastIndexOf("/guests/");
    String leaf = i < 0 ? "" : guestDir.substring(i + "/guests/".length());
    if (i <= 0
        || !guestDir.startsWith("/")
        || leaf.isEmpty()
        || leaf.contains("/")
        || leaf.equals(".")
        || leaf.equals("..")
        || guestDir.contains("/../")
        || guestDir.contains("/./")
        || guestDir.contains("//")) {
      throw new HostException(
          HostException.Reason.CommandFailed,
          "not a guest directory (<workDir>/guests/<name>): " + guestDir);
    }
    return guestDir.substring(0, i);
  }
}
