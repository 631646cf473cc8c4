package dev.kvmop.controller.guest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.testing.TestObjects;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import org.junit.jupiter.api.Test;

/** Arguments in JOSDK's order: {@code accept(newResource, oldResource)}. */
class GuestUpdateFilterTest {
  private final OnUpdateFilter<KvmGuest> filter = new GuestUpdateFilter();

  @Test
  void deletionMarkOnTheNewVersionIsAccepted() {
    KvmGuest old = guest();
    KvmGuest marked = guest();
    marked.getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z");
    assertThat(filter.accept(marked, old)).isTrue();
  }

  @Test
  void ownStatusWriteIsNotAccepted() {
    KvmGuest old = guest();
    KvmGuest updated = guest();
    updated.setStatus(new KvmGuestStatus());
    assertThat(filter.accept(updated, old)).isFalse();
  }

  @Test
  void actionTokenAndSpecChangeAreAccepted() {
    KvmGuest old = guest();
    KvmGuest token = TestObjects.guest("g").withUid().reset("r1").build();
    assertThat(filter.accept(token, old)).isTrue();
    KvmGuest edited = guest();
    edited.getMetadata().setGeneration(2L);
    assertThat(filter.accept(edited, old)).isTrue();
  }

  private static KvmGuest guest() {
    return TestObjects.guest("g").withUid().build();
  }
}
