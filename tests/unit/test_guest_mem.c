/* The checked guest-access helper: boundaries, overflow and access kinds. */
#include <stdint.h>
#include <stdlib.h>

#include "../../monitor/mon.h"
#include "unit.h"

#define RAM (4ULL << 20)
#define IMG (64ULL << 10)

static uint8_t ram[RAM], img[IMG];

static void vm_init(struct mon_vm *vm)
{
  memset(vm, 0, sizeof(*vm));
  vm->ram = ram;
  vm->ram_size = RAM;
  vm->image = img;
  vm->image_size = IMG;
}

static void *chk(struct mon_vm *vm, uint64_t gpa, uint64_t len, unsigned access)
{
  free(vm->fault);
  vm->fault = NULL;
  vm->done = false;
  return MON_GUEST(vm, ((tl_gptr_t){gpa}), len, access, "test");
}

TEST(range_ok_boundaries)
{
  CHECK(mon_range_ok(0, 0, 0, 0));
  CHECK(mon_range_ok(10, 5, 10, 5));
  CHECK(!mon_range_ok(10, 6, 10, 5));
  CHECK(!mon_range_ok(9, 1, 10, 5));
  CHECK(mon_range_ok(15, 0, 10, 5));
  CHECK(!mon_range_ok(16, 0, 10, 5));
}

TEST(range_ok_overflow)
{
  CHECK(!mon_range_ok(UINT64_MAX, 2, 0, UINT64_MAX));
  CHECK(!mon_range_ok(UINT64_MAX - 1, UINT64_MAX, 0, 100));
  CHECK(!mon_range_ok(50, UINT64_MAX, 10, 100));
  CHECK(mon_range_ok(UINT64_MAX - 1, 1, UINT64_MAX - 1, 1));
  CHECK(!mon_range_ok(UINT64_MAX, 1, UINT64_MAX - 1, 1));
}

TEST(guest_ram_accepts_inside)
{
  struct mon_vm vm;
  vm_init(&vm);
  CHECK(chk(&vm, TL_SHARED_GPA, 8, MON_READ | MON_WRITE) == ram + TL_SHARED_GPA);
  CHECK(chk(&vm, TL_APP_BASE, 8, MON_READ | MON_WRITE) == ram + TL_APP_BASE);
  CHECK(chk(&vm, RAM - 16, 16, MON_WRITE) == ram + RAM - 16);
  CHECK(chk(&vm, RAM, 0, MON_READ) == ram + RAM);
  CHECK(vm.fault == NULL && !vm.done);
}

TEST(guest_ram_rejects_outside)
{
  struct mon_vm vm;
  vm_init(&vm);
  CHECK(chk(&vm, RAM - 16, 17, MON_READ) == NULL);
  CHECK(vm.done && vm.fault != NULL);
  CHECK(chk(&vm, RAM, 1, MON_READ) == NULL);
  CHECK(chk(&vm, UINT64_MAX - 4, 8, MON_READ) == NULL);
  CHECK(chk(&vm, TL_SHARED_GPA, UINT64_MAX, MON_READ) == NULL);
  free(vm.fault);
}

TEST(guest_boot_structures_are_off_limits)
{
  struct mon_vm vm;
  vm_init(&vm);
  CHECK(chk(&vm, 0, 8, MON_READ) == NULL);
  CHECK(chk(&vm, TL_GDT_GPA, 8, MON_READ) == NULL);
  CHECK(chk(&vm, TL_SHARED_GPA - 1, 2, MON_READ) == NULL);
  /* page tables: neither readable nor writable through a request */
  CHECK(chk(&vm, TL_PT_GPA, 8, MON_READ) == NULL);
  CHECK(chk(&vm, TL_PT_END - 64, 16, MON_READ | MON_WRITE) == NULL);
  /* the shared page is usable, but a request may not run past it */
  CHECK(chk(&vm, TL_SHARED_GPA + TL_PAGE_SIZE - 8, 8, MON_READ | MON_WRITE) != NULL);
  CHECK(chk(&vm, TL_SHARED_GPA + TL_PAGE_SIZE - 8, 16, MON_READ) == NULL);
  free(vm.fault);
}

TEST(guest_boot_strings_are_read_only)
{
  struct mon_vm vm;
  vm_init(&vm);
  CHECK(chk(&vm, TL_ARGS_GPA, 64, MON_READ) == ram + TL_ARGS_GPA);
  CHECK(chk(&vm, TL_ARGS_GPA, 64, MON_READ | MON_WRITE) == NULL);
  CHECK(chk(&vm, TL_APP_BASE - 8, 16, MON_READ) == NULL); /* straddles two regions */
  free(vm.fault);
}

TEST(guest_image_is_read_only)
{
  struct mon_vm vm;
  vm_init(&vm);
  CHECK(chk(&vm, TL_IMAGE_GPA, IMG, MON_READ) == img);
  CHECK(chk(&vm, TL_IMAGE_GPA + IMG - 1, 1, MON_READ) == img + IMG - 1);
  CHECK(chk(&vm, TL_IMAGE_GPA, 1, MON_READ | MON_WRITE) == NULL);
  CHECK(chk(&vm, TL_IMAGE_GPA + IMG - 1, 2, MON_READ) == NULL);
  CHECK(chk(&vm, TL_IMAGE_GPA - 1, 2, MON_READ) == NULL);
  free(vm.fault);
}

TEST(guest_fault_message_names_address_and_request)
{
  struct mon_vm vm;
  vm_init(&vm);
  CHECK(chk(&vm, 0xfffffffffff000ULL, 16, MON_READ) == NULL);
  CHECK(vm.fault != NULL &&
        strstr(vm.fault, "bad guest address 0xfffffffffff000 (length 16) in test request") != NULL);
  /* the first fault wins */
  MON_GUEST(&vm, ((tl_gptr_t){1}), 1, MON_READ, "second");
  CHECK(strstr(vm.fault, "in test request") != NULL);
  free(vm.fault);
}

TEST(ram_size_rounding_and_limits)
{
  hacher_error_t err = NULL;
  uint64_t r;
  CHECK_EQ_INT(mon_ram_size(0, &r, &err), 0);
  CHECK_EQ_INT(r, MON_DEFAULT_RAM);
  CHECK_EQ_INT(mon_ram_size((64LL << 20) + 12345, &r, &err), 0);
  CHECK_EQ_INT(r, 64ULL << 20);
  CHECK_EQ_INT(mon_ram_size(1 << 20, &r, &err), -1);
  CHECK(err != NULL && strstr(err->msg, "below the trustlet minimum") != NULL);
  hacher_error_release(&err);
  CHECK_EQ_INT(mon_ram_size(INT64_MAX, &r, &err), 0);
  CHECK_EQ_INT(r, TL_RAM_MAX);
}
