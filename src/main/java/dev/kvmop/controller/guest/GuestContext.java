package dev.kvmop.controller.guest;

import dev.kvmop.api.KvmGuest;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.host.HostAgentFactory;
import java.time.Clock;
import java.util.List;
import java.util.function.Function;

/** What the guest lifecycle and deletion share. */
record GuestContext(
    HostAgentFactory agents,
    HostDirectory directory,
    GuestProbes probes,
    AddressBook addresses,
    GuestTransitions transitions,
    Clock clock,
    Function<String, List<KvmGuest>> guestsOnHost) {}
