package dev.kvmop.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** Observed state of a {@link KvmGuest}; written only by the operator. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class KvmGuestStatus {
  @JsonPropertyDescription("Lifecycle phase.")
  public GuestPhase phase;

  @JsonPropertyDescription("metadata.generation of the spec this status describes.")
  public Long observedGeneration;

  @JsonPropertyDescription(
      "SpecValid, Scheduled, AddressAssigned, DisksReady, ProcessRunning, Ready.")
  public List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription(
      "Name of the KvmHost the guest is placed on: spec.hostRef, or the host the operator chose."
          + " Written before anything runs there; never changes until deletion.")
  public String host;

  @JsonPropertyDescription("Pool IP held by the guest.")
  public String ip;

  @JsonPropertyDescription("Pool MAC held by the guest.")
  public String mac;

  @JsonPropertyDescription("qemu process id on the host.")
  public Integer pid;

  @JsonPropertyDescription(
      "Start time of the process in clock ticks since boot (/proc/<pid>/stat field 22); with"
          + " pid, the process identity.")
  public Long processStartTicks;

  @JsonPropertyDescription("Boot id of the host when the process was launched.")
  public String bootId;

  @JsonPropertyDescription("The exact qemu argv launched.")
  public List<String> qemuArgv;

  @JsonPropertyDescription("When the current process was launched (RFC 3339).")
  public String startedAt;

  @JsonPropertyDescription("Relaunches after the first launch.")
  public Integer restarts;

  @JsonPropertyDescription("How the previous process ended.")
  public LastExit lastExit;

  @JsonPropertyDescription(
      "Exits since the process last ran for 10 minutes; drives the relaunch backoff.")
  public Integer consecutiveFailures;

  @JsonPropertyDescription("Earliest time of the next relaunch while backing off (RFC 3339).")
  public String nextRestartAt;

  @JsonPropertyDescription("Last action tokens carried out.")
  public Actions actions;

  /** How a process ended. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class LastExit {
    @JsonPropertyDescription("Crashed, Shutdown, Killed or HostLost.")
    public ExitReason reason;

    @JsonPropertyDescription("When the exit was observed (RFC 3339).")
    public String at;

    public LastExit() {}

    public LastExit(ExitReason reason, String at) {
      this.reason = reason;
      this.at = at;
    }
  }

  /** Action tokens (annotations kvmop.dev/reset, restart and reimage) already carried out. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Actions {
    @JsonPropertyDescription("Last kvmop.dev/reset token carried out.")
    public String reset;

    @JsonPropertyDescription("Last kvmop.dev/restart token carried out.")
    public String restart;

    @JsonPropertyDescription("Last kvmop.dev/reimage token carried out.")
    public String reimage;
  }
}
