package dev.kvmop.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvmop.host.GuestProcess.ExitCause;
import dev.kvmop.host.GuestProcess.State;
import org.junit.jupiter.api.Test;

class ProbeParserTest {
  static final String D = "/var/lib/kvmop/guests/";

  @Test
  void parsesBootGuestsAndOrphans() {
    HostProbe p =
        ProbeParser.parse(
            "boot 0b7e-boot\n"
                + "guest "
                + D
                + "ns_a_u1\tu1\tRunning\t4242\t123456\t-\n"
                + "guest "
                + D
                + "ns_b_u2\tu2\tExited\t-\t-\tStopRequested\n"
                + "guest "
                + D
                + "ns_c_u3\tu3\tExited\t-\t-\tGuestShutdown\n"
                + "guest "
                + D
                + "ns_d_u4\t-\tExited\t-\t-\tUnknown\n"
                + "orphan 777\n"
                + "orphan 778\n"
                + "net link=bridge up=1 gateway=set dhcp=running\n");
    assertThat(p.bootId()).isEqualTo("0b7e-boot");
    assertThat(p.network()).isEqualTo("link=bridge up=1 gateway=set dhcp=running");
    assertThat(p.orphans()).containsExactly(777, 778);
    assertThat(p.guests()).hasSize(4);
    assertThat(p.guests().get(D + "ns_a_u1"))
        .isEqualTo(new GuestProcess(D + "ns_a_u1", "u1", State.Running, 4242, 123456L, null));
    assertThat(p.guests().get(D + "ns_b_u2"))
        .isEqualTo(
            new GuestProcess(
                D + "ns_b_u2", "u2", State.Exited, null, null, ExitCause.StopRequested));
    assertThat(p.guests().get(D + "ns_c_u3").exit()).isEqualTo(ExitCause.GuestShutdown);
    assertThat(p.guests().get(D + "ns_d_u4").uuid()).isNull();
    assertThat(p.guests().get(D + "ns_d_u4").exit()).isEqualTo(ExitCause.Unknown);
  }

  @Test
  void emptyOutputIsAnEmptyProbe() {
    HostProbe p = ProbeParser.parse("");
    assertThat(p.bootId()).isNull();
    assertThat(p.network()).as("no net line").isNull();
    assertThat(p.guests()).isEmpty();
    assertThat(p.orphans()).isEmpty();
  }

  @Test
  void skipsGarbageLines() {
    HostProbe p =
        ProbeParser.parse(
            "Welcome to the host!\r\n"
                + "boot b1\r\n"
                + "guest\n"
                + "guest relative\tu\tRunning\t1\t2\t-\n"
                + "guest "
                + D
                + "short\tu\tRunning\n"
                + "orphan\n"
                + "orphan -5\n"
                + "orphan 99999999999999999999\n"
                + "orphan abc\n"
                + "guestx "
                + D
                + "x\tu\tRunning\t1\t2\t-\n"
                + "\n"
                + "guest "
                + D
                + "ok\tu\tRunning\t10\t20\t-\r\n");
    assertThat(p.bootId()).isEqualTo("b1");
    assertThat(p.orphans()).isEmpty();
    assertThat(p.guests()).containsOnlyKeys(D + "ok");
    assertThat(p.guests().get(D + "ok").pid()).isEqualTo(10);
  }

  @Test
  void runningWithoutAUsablePidIsExitedUnknownNotDropped() {
    HostProbe p =
        ProbeParser.parse(
            "guest "
                + D
                + "a\tu\tRunning\t-\t-\t-\n"
                + "guest "
                + D
                + "b\tu\tRunning\t12x\t5\t-\n"
                + "guest "
                + D
                + "c\tu\tRunning\t99999999999\t5\t-\n"
                + "guest "
                + D
                + "d\tu\tWeird\t1\t2\tAlsoWeird\n");
    assertThat(p.guests()).hasSize(4);
    assertThat(p.guests().values())
        .allSatisfy(
            g -> {
              assertThat(g.state()).isEqualTo(State.Exited);
              assertThat(g.exit()).isEqualTo(ExitCause.Unknown);
              assertThat(g.pid()).isNull();
            });
  }

  @Test
  void unescapesDirectoryAndUuid() {
    HostProbe p =
        ProbeParser.parse("guest /w/guests/a\\tb\\\\c\\nd\tu\\\\1\tExited\t-\t-\tUnknown\n");
    assertThat(p.guests()).containsOnlyKeys("/w/guests/a\tb\\c\nd");
    assertThat(p.guests().values().iterator().next().uuid()).isEqualTo("u\\1");
  }

  @Test
  void parsesTheLaunchReport() {
    assertThat(LaunchParser.parse("pid=42\nstartTicks=9001\nbootId=b-1\nadopted=1\n"))
        .isEqualTo(new LaunchedProcess(42, 9001, "b-1", true));
    assertThat(LaunchParser.parse("noise\npid=7\nstartTicks=1\nbootId=\nadopted=0\n"))
        .isEqualTo(new LaunchedProcess(7, 1, null, false));
    assertThatThrownBy(() -> LaunchParser.parse("pid=\n"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LaunchParser.parse("pid=0\nstartTicks=1\n"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void guestDirectoriesMustSitBelowGuests() throws Exception {
    assertThat(GuestDirPath.workDirOf("/var/lib/kvmop/guests/ns_a_u")).isEqualTo("/var/lib/kvmop");
    for (String bad :
        new String[] {
          "/var/lib/kvmop",
          "/guests/x",
          "/w/guests/",
          "/w/guests/a/b",
          "/w/guests/..",
          "/w/../guests/x",
          "w/guests/x",
          "/w//guests/x",
          "/w/guests/."
        }) {
      assertThatThrownBy(() -> GuestDirPath.workDirOf(bad))
          .as(bad)
          .isInstanceOf(HostException.class);
    }
  }

  @Test
  void scriptResourceIsLoadedAndHashed() {
    assertThat(new String(HelperFiles.HELPER.content(), java.nio.charset.StandardCharsets.UTF_8))
        .startsWith("#!/bin/sh\n");
    assertThat(HelperFiles.HELPER.sha256()).hasSize(64);
    assertThat(HelperFiles.helperPath("/var/lib/kvmop/"))
        .isEqualTo("/var/lib/kvmop/bin/kvmop-guest");
  }
}
