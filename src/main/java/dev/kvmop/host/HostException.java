package dev.kvmop.host;

/** A host could not be reached or did not do what was asked; {@link #reason()} says which. */
public class HostException extends Exception {
  /** Why, as a condition reason (CamelCase). */
  public enum Reason {
    /** TCP connect failed or the connection dropped. */
    Unreachable,
    /** The host presented a key that does not match the pinned one. */
    HostKeyMismatch,
    /** The server refused our key. */
    AuthenticationFailed,
    /** The private key in the Secret could not be read (format or passphrase). */
    InvalidCredentials,
    /** The command did not finish within its timeout. */
    Timeout,
    /** The command ran and failed. */
    CommandFailed
  }

  private final Reason reason;

  public HostException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public HostException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
