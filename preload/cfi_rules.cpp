#include "cfi_rules.h"

#include <elf.h>
#include <link.h>

#include <cstring>

namespace memtrace::shim {
namespace {

// DWARF register numbers on x86-64.
constexpr uint64_t kRbp = 6;
constexpr uint64_t kRsp = 7;
constexpr uint64_t kReturnAddress = 16;

// Pointer encodings (DW_EH_PE_*).
constexpr uint8_t kOmit = 0xff;

struct Cursor {
    const uint8_t* p;
    const uint8_t* end;
    bool ok = true;

    uint8_t u8()
    {
        if (p >= end) return fail();
        return *p++;
    }
    uint64_t uleb()
    {
        uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            const uint8_t b = u8();
            v |= static_cast<uint64_t>(b & 0x7f) << shift;
            if (!(b & 0x80)) return v;
        }
        return fail();
    }
    int64_t sleb()
    {
        uint64_t v = 0;
        int shift = 0;
        uint8_t b = 0;
        do {
            b = u8();
            if (shift < 64) v |= static_cast<uint64_t>(b & 0x7f) << shift;
            shift += 7;
        } while ((b & 0x80) && ok);
        if (shift < 64 && (b & 0x40)) v |= ~uint64_t{0} << shift;
        return static_cast<int64_t>(v);
    }
    template <typename T>
    T fixed()
    {
        if (end - p < static_cast<long>(sizeof(T))) return static_cast<T>(fail());
        T v;
        std::memcpy(&v, p, sizeof v);
        p += sizeof v;
        return v;
    }
    // An encoded pointer; datarel is relative to `dataBase` (.eh_frame_hdr's start).
    uint64_t pointer(uint8_t encoding, uintptr_t dataBase)
    {
        if (encoding == kOmit) return 0;
        const auto here = reinterpret_cast<uintptr_t>(p);
        uint64_t v = 0;
        switch (encoding & 0x0f) {
        case 0x00: v = fixed<uint64_t>(); break;
        case 0x01: v = uleb(); break;
        case 0x02: v = fixed<uint16_t>(); break;
        case 0x03: v = fixed<uint32_t>(); break;
        case 0x04: v = fixed<uint64_t>(); break;
        case 0x09: v = static_cast<uint64_t>(sleb()); break;
        case 0x0a: v = static_cast<uint64_t>(static_cast<int64_t>(fixed<int16_t>())); break;
        case 0x0b: v = static_cast<uint64_t>(static_cast<int64_t>(fixed<int32_t>())); break;
        case 0x0c: v = fixed<uint64_t>(); break;
        default: return fail();
        }
        switch (encoding & 0x70) {
        case 0x00: break;
        case 0x10: v += here; break;
        case 0x30: v += dataBase; break;
        default: return fail();  // textrel, funcrel, aligned: not used by GNU toolchains here
        }
        if (encoding & 0x80) return fail();  // indirect: only for personality routines (skipped)
        return v;
    }
    uint8_t fail()
    {
        ok = false;
        p = end;
        return 0;
    }
};

// The row of the rules being built while the CFA program runs.
struct Row {
    uint64_t cfaRegister = kRsp;
    int64_t cfaOffset = 8;
    bool rbpSaved = false;
    int64_t rbpOffset = 0;
    bool raSaved = false;
    bool raUndefined = false;
    int64_t raOffset = 0;
};

struct Cie {
    uint64_t codeAlign = 1;
    int64_t dataAlign = -8;
    uint64_t raRegister = kReturnAddress;
    uint8_t fdeEncoding = 0;
    bool hasAugmentationData = false;
    bool signalFrame = false;
    const uint8_t* instructions = nullptr;
    const uint8_t* end = nullptr;
};

// A CIE (or FDE) record at p: its length, and where its content ends. 0 on a terminator.
const uint8_t* recordEnd(const uint8_t* p, const uint8_t*& content)
{
    uint32_t length32;
    std::memcpy(&length32, p, 4);
    if (length32 == 0) return nullptr;
    if (length32 == 0xffffffffu) {
        uint64_t length64;
        std::memcpy(&length64, p + 4, 8);
        content = p + 12;
        return content + length64;
    }
    content = p + 4;
    return content + length32;
}

bool parseCie(const uint8_t* at, uintptr_t dataBase, Cie& cie)
{
    const uint8_t* content = nullptr;
    const uint8_t* end = recordEnd(at, content);
    if (!end) return false;
    Cursor c{content, end};
    if (c.fixed<uint32_t>() != 0) return false;  // not a CIE
    const uint8_t version = c.u8();
    if (version != 1 && version != 3) return false;
    const char* augmentation = reinterpret_cast<const char*>(c.p);
    const size_t augLength = strnlen(augmentation, static_cast<size_t>(end - c.p));
    c.p += augLength + 1;
    cie.codeAlign = c.uleb();
    cie.dataAlign = c.sleb();
    cie.raRegister = version == 1 ? c.u8() : c.uleb();
    if (augLength > 0 && augmentation[0] == 'z') {
        cie.hasAugmentationData = true;
        const uint64_t dataLength = c.uleb();
        const uint8_t* dataEnd = c.p + dataLength;
        for (size_t i = 1; i < augLength && c.ok; ++i) {
            switch (augmentation[i]) {
            case 'R': cie.fdeEncoding = c.u8(); break;
            case 'L': c.u8(); break;
            case 'P': {
                const uint8_t enc = c.u8();
                Cursor skip{c.p, dataEnd};
                skip.pointer(static_cast<uint8_t>(enc & 0x7f), dataBase);  // value unused
                if (!skip.ok) return false;  // its length unknown: 'R' after it cannot be found
                c.p = skip.p;
                break;
            }
            case 'S': cie.signalFrame = true; break;
            default: return false;  // unknown: where its data ends, and 'R' after it, are unknown
            }
        }
        c.p = dataEnd;
    } else if (augLength > 0) {
        return false;  // an augmentation without 'z' cannot be skipped
    }
    cie.instructions = c.p;
    cie.end = end;
    return c.ok && c.p <= end;
}

enum class Run { Reached, Unsupported };

// Runs CFA instructions from `loc` until the row for `pc` is complete.
Run runProgram(const uint8_t* p, const uint8_t* end, const Cie& cie, uintptr_t dataBase, uint64_t loc, uint64_t pc,
               Row& row, const Row& initial)
{
    constexpr int kStates = 8;
    Row remembered[kStates];
    int depth = 0;
    Cursor c{p, end};
    auto saveRule = [&](uint64_t reg, int64_t offset) {
        if (reg == kRbp) row.rbpSaved = true, row.rbpOffset = offset;
        if (reg == cie.raRegister) row.raSaved = true, row.raUndefined = false, row.raOffset = offset;
    };
    auto restoreRule = [&](uint64_t reg) {
        if (reg == kRbp) row.rbpSaved = initial.rbpSaved, row.rbpOffset = initial.rbpOffset;
        if (reg == cie.raRegister)
            row.raSaved = initial.raSaved, row.raUndefined = initial.raUndefined, row.raOffset = initial.raOffset;
    };
    auto advance = [&](uint64_t delta) { loc += delta * cie.codeAlign; return loc > pc; };
    while (c.ok && c.p < c.end) {
        const uint8_t op = c.u8();
        const uint8_t low = op & 0x3f;
        switch (op >> 6) {
        case 1:
            if (advance(low)) return Run::Reached;
            continue;
        case 2: saveRule(low, static_cast<int64_t>(c.uleb()) * cie.dataAlign); continue;
        case 3: restoreRule(low); continue;
        default: break;
        }
        switch (op) {
        case 0x00: break;  // nop
        case 0x01: {       // set_loc
            const uint64_t to = c.pointer(cie.fdeEncoding, dataBase);
            if (to > pc) return Run::Reached;
            loc = to;
            break;
        }
        case 0x02: if (advance(c.u8())) return Run::Reached; break;
        case 0x03: if (advance(c.fixed<uint16_t>())) return Run::Reached; break;
        case 0x04: if (advance(c.fixed<uint32_t>())) return Run::Reached; break;
        case 0x05: { const uint64_t reg = c.uleb(); saveRule(reg, static_cast<int64_t>(c.uleb()) * cie.dataAlign); break; }
        case 0x06: restoreRule(c.uleb()); break;
        case 0x07: {  // undefined
            const uint64_t reg = c.uleb();
            if (reg == cie.raRegister) row.raUndefined = true, row.raSaved = false;
            if (reg == kRbp) row.rbpSaved = false;  // an unknown rbp: a later rbp-based CFA fails the bounds
            break;
        }
        case 0x08: {  // same_value
            const uint64_t reg = c.uleb();
            if (reg == kRbp) row.rbpSaved = false;
            if (reg == cie.raRegister) return Run::Unsupported;
            break;
        }
        case 0x09: {  // register: the value lives in another register
            const uint64_t reg = c.uleb();
            c.uleb();
            if (reg == kRbp || reg == cie.raRegister) return Run::Unsupported;
            break;
        }
        case 0x0a:
            if (depth == kStates) return Run::Unsupported;
            remembered[depth++] = row;
            break;
        case 0x0b: {  // restore_state: the CFA is part of the state (as GCC emits it)
            if (depth == 0) return Run::Unsupported;
            row = remembered[--depth];
            break;
        }
        case 0x0c: row.cfaRegister = c.uleb(); row.cfaOffset = static_cast<int64_t>(c.uleb()); break;
        case 0x0d: row.cfaRegister = c.uleb(); break;
        case 0x0e: row.cfaOffset = static_cast<int64_t>(c.uleb()); break;
        case 0x0f: return Run::Unsupported;  // def_cfa_expression
        case 0x10:                           // expression
        case 0x16: {                         // val_expression
            const uint64_t reg = c.uleb();
            if (reg == kRbp || reg == cie.raRegister) return Run::Unsupported;
            const uint64_t length = c.uleb();
            if (length > static_cast<uint64_t>(c.end - c.p)) return Run::Unsupported;
            c.p += length;
            break;
        }
        case 0x11: { const uint64_t reg = c.uleb(); saveRule(reg, c.sleb() * cie.dataAlign); break; }
        case 0x12: row.cfaRegister = c.uleb(); row.cfaOffset = c.sleb() * cie.dataAlign; break;
        case 0x13: row.cfaOffset = c.sleb() * cie.dataAlign; break;
        case 0x14:    // val_offset
        case 0x15: {  // val_offset_sf
            const uint64_t reg = c.uleb();
            if (op == 0x14) c.uleb(); else c.sleb();
            if (reg == kRbp || reg == cie.raRegister) return Run::Unsupported;
            break;
        }
        case 0x2e: c.uleb(); break;  // GNU_args_size
        case 0x2f: {                 // GNU_negative_offset_extended
            const uint64_t reg = c.uleb();
            saveRule(reg, -static_cast<int64_t>(c.uleb()) * cie.dataAlign);
            break;
        }
        default: return Run::Unsupported;
        }
    }
    return c.ok ? Run::Reached : Run::Unsupported;
}

FrameRule unsupported()
{
    FrameRule r;
    r.kind = FrameRule::Unsupported;
    return r;
}

bool fitsInt32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

FrameRule ruleFromRow(const Row& row)
{
    FrameRule r;
    if (row.raUndefined) {
        r.kind = FrameRule::Outermost;
        return r;
    }
    if (!row.raSaved || (row.cfaRegister != kRsp && row.cfaRegister != kRbp)) return unsupported();
    if (!fitsInt32(row.cfaOffset) || !fitsInt32(row.raOffset) || !fitsInt32(row.rbpOffset)) return unsupported();
    r.kind = FrameRule::Normal;
    r.cfaFromRbp = row.cfaRegister == kRbp;
    r.cfaOffset = static_cast<int32_t>(row.cfaOffset);
    r.raOffset = static_cast<int32_t>(row.raOffset);
    r.rbpSaved = row.rbpSaved;
    r.rbpOffset = static_cast<int32_t>(row.rbpOffset);
    return r;
}

// x86-64 Linux's rt_sigreturn: mov $15, %rax; syscall - what the kernel returns to from a
// signal handler (glibc's __restore_rt; the FDE starts one byte before it, so that the lookup
// at return address - 1 finds it). An 'S' FDE around other code (a JIT's, another libc's)
// may describe another frame layout: it stays Unsupported.
constexpr uint8_t kSigreturnCode[] = {0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05};

FrameRule signalFrameRule(uintptr_t pc, uint64_t fdeEnd)
{
    const uintptr_t code = pc + 1;  // the return address into the trampoline
    if (code + sizeof kSigreturnCode > fdeEnd) return unsupported();  // only code the FDE covers is read
    if (std::memcmp(reinterpret_cast<const void*>(code), kSigreturnCode, sizeof kSigreturnCode) != 0)
        return unsupported();
    FrameRule r;
    r.kind = FrameRule::SignalFrame;
    return r;
}

struct ModuleSearch {
    uintptr_t pc;
    FrameRule rule;
};

int findModule(dl_phdr_info* info, size_t, void* data)
{
    auto* search = static_cast<ModuleSearch*>(data);
    bool contains = false;
    const uint8_t* hdr = nullptr;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        const uintptr_t start = info->dlpi_addr + ph.p_vaddr;
        if (ph.p_type == PT_LOAD && search->pc >= start && search->pc < start + ph.p_memsz) contains = true;
        if (ph.p_type == PT_GNU_EH_FRAME) hdr = reinterpret_cast<const uint8_t*>(start);
    }
    if (!contains) return 0;
    // Parsed here, inside dl_iterate_phdr: the loader's lock keeps the module from being
    // unmapped by a dlclose on another thread meanwhile.
    search->rule = hdr ? frameRuleFromEhFrameHdr(hdr, search->pc) : unsupported();
    return 1;
}

}  // namespace

constinit std::atomic<uint32_t> g_codeUnloads{0};

FrameRule frameRuleFromEhFrameHdr(const uint8_t* hdr, uintptr_t pc)
{
    const auto dataBase = reinterpret_cast<uintptr_t>(hdr);
    if (hdr[0] != 1) return unsupported();
    const uint8_t frameEnc = hdr[1], countEnc = hdr[2], tableEnc = hdr[3];
    // The binary-search table as every GNU linker writes it: datarel sdata4 pairs.
    if (tableEnc != 0x3b || countEnc == kOmit) return unsupported();
    Cursor c{hdr + 4, hdr + 4 + 32};
    c.pointer(frameEnc, dataBase);
    const uint64_t count = c.pointer(countEnc, dataBase);
    if (!c.ok || count == 0) return unsupported();
    const auto* table = reinterpret_cast<const int32_t*>(c.p);
    const int64_t target = static_cast<int64_t>(pc - dataBase);
    // The last entry whose initial location is <= pc.
    uint64_t lo = 0, hi = count;
    while (hi - lo > 1) {
        const uint64_t mid = lo + (hi - lo) / 2;
        if (table[2 * mid] <= target) lo = mid;
        else hi = mid;
    }
    if (table[2 * lo] > target) return unsupported();
    const uint8_t* fde = hdr + table[2 * lo + 1];
    const uint8_t* content = nullptr;
    const uint8_t* fdeEnd = recordEnd(fde, content);
    if (!fdeEnd) return unsupported();
    uint32_t ciePointer;
    std::memcpy(&ciePointer, content, 4);
    if (ciePointer == 0) return unsupported();
    Cie cie;
    if (!parseCie(content - ciePointer, dataBase, cie)) return unsupported();
    Cursor f{content + 4, fdeEnd};
    const uint64_t begin = f.pointer(cie.fdeEncoding, dataBase);
    const uint64_t range = f.pointer(static_cast<uint8_t>(cie.fdeEncoding & 0x0f), dataBase);
    if (!f.ok || pc < begin || pc >= begin + range) return unsupported();
    if (cie.signalFrame) return signalFrameRule(pc, begin + range);
    if (cie.hasAugmentationData) {
        const uint64_t length = f.uleb();
        f.p += length;
    }
    if (!f.ok || f.p > fdeEnd) return unsupported();
    Row initial;
    if (runProgram(cie.instructions, cie.end, cie, dataBase, 0, ~uint64_t{0}, initial, initial) != Run::Reached)
        return unsupported();
    Row row = initial;
    if (runProgram(f.p, fdeEnd, cie, dataBase, begin, pc, row, initial) != Run::Reached) return unsupported();
    return ruleFromRow(row);
}

FrameRule findFrameRule(uintptr_t pc)
{
    ModuleSearch search{pc, unsupported()};
    dl_iterate_phdr(findModule, &search);
    return search.rule;
}

}  // namespace memtrace::shim
