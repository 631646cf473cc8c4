package dev.kvmop.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;

/** When the operator (re)launches a guest's qemu process. */
public enum RunStrategy {
  /** Keep it running; relaunch after any exit. */
  Always,
  /** Relaunch after a crash, not after a guest-initiated shutdown. */
  RerunOnFailure,
  /** Launch once; never relaunch. */
  Manual,
  /** Keep it stopped. */
  Halted,

  /** Not a value users write: what an unknown string reads as; left out of the CRD. */
  @JsonIgnore
  Unrecognized;

  /**
   * Reads the JSON value; an unknown string is {@link #Unrecognized} (see {@link LenientEnums}).
   */
  @JsonCreator
  public static RunStrategy fromJson(String value) {
    return LenientEnums.read(RunStrategy.class, value, Unrecognized);
  }
}
