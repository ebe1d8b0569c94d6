#include "exec_environment.h"

#include <cstring>

#include "memtrace/launch_env.h"
#include "sys_memory.h"
#include "text_buffer.h"

namespace memtrace::shim {
namespace {

bool hasName(const char* entry, const char* name)
{
    const size_t n = std::strlen(name);
    return std::strncmp(entry, name, n) == 0 && entry[n] == '=';
}

}  // namespace

ExecEnvironment::ExecEnvironment(char* const* envp, uint32_t nextGeneration) : m_original(envp)
{
    if (!envp) return;
    size_t count = 0;
    bool traced = false;
    for (; envp[count]; ++count) traced = traced || hasName(envp[count], env::kOutput);
    if (!traced) return;

    constexpr size_t kVariableBytes = 64;
    m_bytes = (count + 2) * sizeof(char*) + kVariableBytes;
    void* memory = mapAnonymous(m_bytes);
    if (!memory) return;  // exec with the original environment rather than not at all
    m_env = static_cast<char**>(memory);
    char* variable = reinterpret_cast<char*>(m_env + count + 2);
    TextBuffer text(variable, kVariableBytes);
    text.add(env::kExecGeneration).add("=").addUnsigned(nextGeneration);

    size_t out = 0;
    for (size_t i = 0; i < count; ++i)
        if (!hasName(envp[i], env::kExecGeneration)) m_env[out++] = envp[i];
    m_env[out++] = variable;
    m_env[out] = nullptr;
}

ExecEnvironment::~ExecEnvironment() { unmapAnonymous(m_env, m_bytes); }

}  // namespace memtrace::shim
