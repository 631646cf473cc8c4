package dev.kvmop.api;

/**
 * Regular expressions shared by the CRD schema and the operator's own validation, so both reject
 * the same input.
 */
public final class Patterns {
  public static final String DNS_NAME = "^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$";
  public static final String MAC = "^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$";
  public static final String MAC_PREFIX = "^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){0,4}$";

  /** A hostname, an IPv4 address or an IPv6 address (checked precisely by the operator). */
  public static final String HOST_OR_IP = "^[A-Za-z0-9]([A-Za-z0-9.:%-]{0,252}[A-Za-z0-9])?$";

  public static final String USER = "^[a-z_][a-z0-9_.-]{0,31}$";
  public static final String ABSOLUTE_PATH = "^/[^\\x00]*$";

  /**
   * A directory the operator may create and remove things below: absolute, at least one segment, no
   * empty, "." or ".." segment (so not "/", "//", "/usr/..", "/a/../b" nor a trailing slash). No
   * look-ahead, so the API server's RE2 accepts it too.
   */
  public static final String WORK_DIR =
      "^(/([^/.\\x00][^/\\x00]*|\\.[^/.\\x00][^/\\x00]*|\\.\\.[^/\\x00]+))+$";

  public static final String QUANTITY = "^[1-9][0-9]{0,12}(Ki|Mi|Gi|Ti|K|M|G|T)?$";

  /** A {@link #QUANTITY}, or empty (a default the operator works out). */
  public static final String QUANTITY_OR_EMPTY = "^([1-9][0-9]{0,12}(Ki|Mi|Gi|Ti|K|M|G|T)?)?$";

  public static final String SHA256 = "^[0-9a-fA-F]{64}$";
  public static final String MACHINE = "^[A-Za-z0-9._-]{1,64}$";
  public static final String NIC_MODEL = "^[A-Za-z0-9._-]{1,64}$";
  public static final String BRIDGE = "^[A-Za-z0-9._-]{1,15}$";

  /** An IPv4 address with a prefix length, or empty (checked precisely by the operator). */
  public static final String IPV4_CIDR_OR_EMPTY = "^([0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2})?$";

  private Patterns() {}
}
