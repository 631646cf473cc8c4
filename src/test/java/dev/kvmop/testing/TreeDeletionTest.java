package dev.kvmop.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeDeletionTest {
  @TempDir Path tmp;

  @Test
  void deletesTheWholeTree() throws IOException {
    Path guest = Files.createDirectories(tmp.resolve("work/guests/g"));
    Files.writeString(guest.resolve("serial.log"), "x");
    TreeDeletion.delete(tmp.resolve("work"));
    assertThat(tmp.resolve("work")).doesNotExist();
  }

  /**
   * The walk has listed the guest's directory when its helper removes files there (as it removes
   * {@code watching}): the files it had listed and can no longer find are deleted already.
   */
  @Test
  void filesThatVanishAfterBeingListedAreNoError() throws IOException {
    Path guest = Files.createDirectories(tmp.resolve("work/guests/g"));
    for (String name : new String[] {"watching", "exit.tmp", "pid", "serial.log"}) {
      Files.writeString(guest.resolve(name), name);
    }
    Path root = tmp.resolve("work");
    Files.walkFileTree(
        root,
        new TreeDeletion() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            try (Stream<Path> siblings = Files.list(file.getParent())) {
              for (Path p : siblings.toList()) {
                Files.deleteIfExists(p); // the helper's removals, between listing and visiting
              }
            }
            return super.visitFile(file, attrs);
          }
        });
    assertThat(root).doesNotExist();
  }
}
