package dev.kvmop.host;

import java.util.Optional;

/**
 * What {@code kvmop-workdir claim} answered: a line {@code claimed}, the workDir is this KvmHost's,
 * or a line {@code refused <Refusal> <message>} when the workDir is not the operator's to use.
 *
 * @param refusal why the workDir was refused, if it was
 * @param message the helper's explanation of a refusal (names the directory and, for {@link
 *     Refusal#WorkDirClaimed}, the owning uid and its marker file); empty when claimed
 */
public record WorkDirClaim(Optional<Refusal> refusal, String message) {
  /** Why a workDir is not claimed; the names are the KvmHost's Ready reasons. */
  public enum Refusal {
    /** Another KvmHost's uid is in the workDir's ownership marker. */
    WorkDirClaimed,
    /** The workDir is a system directory (/usr, /var/lib, ...). */
    SystemDirectory
  }

  /** The workDir is this KvmHost's. */
  public static final WorkDirClaim CLAIMED = new WorkDirClaim(Optional.empty(), "");

  public WorkDirClaim {
    message = message == null ? "" : message;
  }

  public static WorkDirClaim refused(Refusal refusal, String message) {
    return new WorkDirClaim(Optional.of(refusal), message);
  }

  /**
   * Parses the output of {@code claim}.
   *
   * @throws IllegalArgumentException when it has neither line or names an unknown refusal
   */
  static WorkDirClaim parse(String output) {
    for (String raw : output.split("\n")) {
      String line = raw.strip();
      if (line.equals("claimed")) {
        return CLAIMED;
      }
      if (line.startsWith("refused ")) {
        String rest = line.substring("refused ".length());
        int space = rest.indexOf(' ');
        String name = space < 0 ? rest : rest.substring(0, space);
        try {
          return refused(Refusal.valueOf(name), space < 0 ? "" : rest.substring(space + 1));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("workdir claim: unknown refusal " + name, e);
        }
      }
    }
    throw new IllegalArgumentException(
        "workdir claim answered neither claimed nor refused: "
            + (output.length() > 200 ? output.substring(0, 200) + "..." : output));
  }
}
