package dev.kvmop.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Deleting an object that has finalizers is a change watchers must see (deletionTimestamp). */
class LocalApiDeleteWatchTest {
  @Test
  void deleteOfAnObjectWithFinalizersReachesWatchers() throws Exception {
    try (LocalApiServer api = LocalApiServer.start(0)) {
      var cms = api.client().configMaps().inNamespace("default");
      cms.resource(
              new ConfigMapBuilder()
                  .withNewMetadata()
                  .withName("f")
                  .withFinalizers("test.kvmop.dev/hold")
                  .endMetadata()
                  .build())
          .create();
      List<String> seen = new CopyOnWriteArrayList<>();
      try (var w =
          cms.withName("f")
              .watch(
                  new Watcher<ConfigMap>() {
                    @Override
                    public void eventReceived(Action action, ConfigMap cm) {
                      seen.add(action + " " + cm.getMetadata().getDeletionTimestamp());
                    }

                    @Override
                    public void onClose(WatcherException cause) {}
                  })) {
        cms.withName("f").delete();
        await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> seen.stream().anyMatch(s -> !s.endsWith("null")));
      }
      assertThat(cms.withName("f").get().getMetadata().getDeletionTimestamp()).isNotNull();
      assertThat(seen)
          .as("watch events")
          .anyMatch(s -> s.startsWith("MODIFIED") && !s.endsWith("null"));
    }
  }
}
