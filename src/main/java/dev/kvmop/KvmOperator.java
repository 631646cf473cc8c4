package dev.kvmop;

public class KvmOperator {
  public static void main(String[] args) {}
}
