package dev.kvmop.placement;

/**
 * The rules a host must pass to take a guest, in the order they are checked. A host that does not
 * fit is counted under the first rule it fails, and the counts are listed in this order.
 */
public enum Rule {
  SELECTOR("not matching the selector"),
  NOT_READY("not Ready"),
  CORDONED("cordoned"),
  NETWORK_NOT_READY("network not ready"),
  MAX_GUESTS("at maxGuests"),
  REQUESTED_ADDRESS_NOT_IN_POOL("requested address not in pool"),
  REQUESTED_ADDRESS_TAKEN("requested address taken"),
  POOL_EXHAUSTED("pool exhausted"),
  INSUFFICIENT_CPU("insufficient cpu"),
  INSUFFICIENT_MEMORY("insufficient memory");

  private final String phrase;

  Rule(String phrase) {
    this.phrase = phrase;
  }

  /** How the summary message counts hosts that fail this rule ("2 insufficient memory"). */
  public String phrase() {
    return phrase;
  }
}
