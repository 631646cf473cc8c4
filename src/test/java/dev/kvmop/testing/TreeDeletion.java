package dev.kvmop.testing;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Deletes a directory tree that processes may still be changing: a guest's helper removes its own
 * files ({@code watching}, {@code exit.tmp}) while the test's work dir is deleted, so a file that
 * vanishes between being listed and being deleted is already where it should be, not an error.
 */
public class TreeDeletion extends SimpleFileVisitor<Path> {
  TreeDeletion() {}

  /** Deletes {@code root} and everything below it; a missing root is nothing to do. */
  public static void delete(Path root) throws IOException {
    if (root != null) {
      Files.walkFileTree(root, new TreeDeletion());
    }
  }

  @Override
  public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
    Files.deleteIfExists(file);
    return FileVisitResult.CONTINUE;
  }

  @Override
  public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
    if (e instanceof NoSuchFileException) {
      return FileVisitResult.CONTINUE;
    }
    throw e;
  }

  @Override
  public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
    if (e != null && !(e instanceof NoSuchFileException)) {
      throw e;
    }
    Files.deleteIfExists(dir);
    return FileVisitResult.CONTINUE;
  }
}
