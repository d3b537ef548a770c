// The peer of `kata-vmm exit-cost`: the same guest loop (N port writes, then hlt) driven by a minimal C VMM, i.e.
// the cost of a KVM exit round trip with no VMM work at all. Prints the median microseconds per exit over RUNS.
// Usage: kvm-exit-peer EXITS RUNS
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) { perror(what); exit(1); }

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

// Real mode: mov dx,0x3ff; mov ecx,N; l: out dx,al; dec ecx; jnz l; hlt
static double run_once(int kvm, unsigned exits) {
  int vm = ioctl(kvm, KVM_CREATE_VM, 0);
  if (vm < 0) die("KVM_CREATE_VM");
  size_t size = 0x10000;
  unsigned char *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) die("mmap");
  unsigned char code[] = {0xba, 0xff, 0x03, 0x66, 0xb9, 0, 0, 0, 0, 0xee, 0x66, 0x49, 0x75, 0xfb, 0xf4};
  memcpy(code + 5, &exits, 4);
  memcpy(mem + 0x1000, code, sizeof code);
  struct kvm_userspace_memory_region region = {.slot = 0, .guest_phys_addr = 0, .memory_size = size,
                                               .userspace_addr = (unsigned long)mem};
  if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) die("KVM_SET_USER_MEMORY_REGION");
  int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
  if (vcpu < 0) die("KVM_CREATE_VCPU");
  int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
  struct kvm_run *run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
  if (run == MAP_FAILED) die("mmap kvm_run");
  struct kvm_sregs sregs;
  if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0) die("KVM_GET_SREGS");
  sregs.cs.base = 0;
  sregs.cs.selector = 0;
  if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0) die("KVM_SET_SREGS");
  struct kvm_regs regs = {.rip = 0x1000, .rflags = 2};
  if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0) die("KVM_SET_REGS");
  unsigned long seen = 0;
  volatile unsigned char sink = 0;
  double start = now_us();
  for (;;) {
    if (ioctl(vcpu, KVM_RUN, 0) < 0) die("KVM_RUN");
    if (run->exit_reason == KVM_EXIT_IO) {
      sink = *((unsigned char *)run + run->io.data_offset);
      seen++;
    } else if (run->exit_reason == KVM_EXIT_HLT) {
      break;
    } else {
      fprintf(stderr, "unexpected exit %u\n", run->exit_reason);
      exit(1);
    }
  }
  double elapsed = now_us() - start;
  (void)sink;
  if (seen != exits) { fprintf(stderr, "saw %lu exits, wanted %u\n", seen, exits); exit(1); }
  munmap(run, run_size);
  close(vcpu);
  munmap(mem, size);
  close(vm);
  return elapsed / exits;
}

int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: %s EXITS RUNS\n", argv[0]); return 2; }
  unsigned exits = strtoul(argv[1], NULL, 10);
  int runs = atoi(argv[2]);
  if (exits < 1 || runs < 1) { fprintf(stderr, "EXITS and RUNS must be positive\n"); return 2; }
  int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (kvm < 0) die("/dev/kvm");
  double *samples = calloc(runs, sizeof *samples);
  for (int i = 0; i < runs; i++) samples[i] = run_once(kvm, exits);
  qsort(samples, runs, sizeof *samples, cmp);
  double median = runs % 2 ? samples[runs / 2] : (samples[runs / 2 - 1] + samples[runs / 2]) / 2;
  printf("%.3f\n", median);
  return 0;
}
