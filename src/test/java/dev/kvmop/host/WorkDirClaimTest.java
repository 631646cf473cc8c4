package dev.kvmop.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvmop.api.HostReasons;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkDirClaimTest {
  @Test
  void everyRefusalIsAHostReason() throws Exception {
    List<Object> reasons = new ArrayList<>();
    for (var f : HostReasons.class.getFields()) {
      reasons.add(f.get(null));
    }
    for (WorkDirClaim.Refusal r : WorkDirClaim.Refusal.values()) {
      assertThat(reasons).as("HostReasons has " + r).contains(r.name());
    }
  }

  @Test
  void claimedIsNoRefusal() {
    assertThat(WorkDirClaim.parse("claimed\n")).isEqualTo(WorkDirClaim.CLAIMED);
  }

  @Test
  void aRefusalCarriesItsKindAndMessage() {
    WorkDirClaim c =
        WorkDirClaim.parse(
            "refused WorkDirClaimed /srv/k belongs to another KvmHost (uid u-1, see"
                + " /srv/k/.kvmop-owner)\n");
    assertThat(c.refusal()).contains(WorkDirClaim.Refusal.WorkDirClaimed);
    assertThat(c.message())
        .isEqualTo("/srv/k belongs to another KvmHost (uid u-1, see /srv/k/.kvmop-owner)");
    assertThat(WorkDirClaim.parse("refused SystemDirectory refusing /usr\n").refusal())
        .contains(WorkDirClaim.Refusal.SystemDirectory);
  }

  @Test
  void anUnknownRefusalOrNoAnswerIsAnError() {
    assertThatThrownBy(() -> WorkDirClaim.parse("refused Sideways x\n"))
        .hasMessageContaining("unknown refusal Sideways");
    assertThatThrownBy(() -> WorkDirClaim.parse(""))
        .hasMessageContaining("neither claimed nor refused");
  }
}
