package dev.kvmop.host;

/** A build step failed; carries the step and the last lines of its output. */
public class BuildException extends HostException {
  private final String step;
  private final String outputTail;

  public BuildException(String step, String message, String outputTail) {
    super(Reason.CommandFailed, message);
    this.step = step;
    this.outputTail = outputTail;
  }

  public String step() {
    return step;
  }

  public String outputTail() {
    return outputTail;
  }
}
