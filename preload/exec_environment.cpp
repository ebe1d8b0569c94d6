#include "exec_environment.h"

#include <cstring>

#include "memtrace/launch_env.h"
#include "shim_variables.h"
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

ExecEnvironment::ExecEnvironment(char* const* envp, uint32_t nextGeneration, char* const* hidden) : m_original(envp)
{
    static char* const kEmpty[] = {nullptr};
    if (!envp) {
        if (!hidden) return;
        envp = kEmpty;
    }
    size_t count = 0, hiddenCount = 0, preloadBytes = 0;
    bool traced = hidden != nullptr;
    for (; envp[count]; ++count) {
        traced = traced || hasName(envp[count], env::kOutput);
        if (isPreloadVariable(envp[count])) preloadBytes += std::strlen(envp[count]) + 1;
    }
    if (!traced) return;
    if (hidden)
        for (; hidden[hiddenCount]; ++hiddenCount)
            if (isPreloadVariable(hidden[hiddenCount])) preloadBytes += std::strlen(hidden[hiddenCount]) + 1;

    constexpr size_t kVariableBytes = 64;
    const size_t slots = count + hiddenCount + 2;
    m_bytes = slots * sizeof(char*) + kVariableBytes + preloadBytes;
    void* memory = mapAnonymous(m_bytes);
    if (!memory) return;  // exec with the original environment rather than not at all
    m_env = static_cast<char**>(memory);
    char* variable = reinterpret_cast<char*>(m_env + slots);
    TextBuffer text(variable, kVariableBytes);
    text.add(env::kExecGeneration).add("=").addUnsigned(nextGeneration);

    size_t out = 0;
    const char* userPreload = nullptr;  // envp's LD_PRELOAD value, when the shim's is hidden
    for (size_t i = 0; i < count; ++i) {
        if (hasName(envp[i], env::kExecGeneration)) continue;
        if (hidden && isMemtraceVariable(envp[i])) continue;  // the hidden values win
        if (hidden && isPreloadVariable(envp[i])) {
            userPreload = envp[i] + sizeof kPreloadPrefix - 1;
            continue;
        }
        m_env[out++] = envp[i];
    }
    for (size_t i = 0; i < hiddenCount; ++i) {
        if (hasName(hidden[i], env::kExecGeneration)) continue;
        if (isPreloadVariable(hidden[i]) && userPreload && *userPreload) {
            // "LD_PRELOAD=<shim>:<the user's>"
            char* combined = variable + kVariableBytes;
            const size_t shim = std::strlen(hidden[i]);
            std::memcpy(combined, hidden[i], shim);
            combined[shim] = ':';
            std::strcpy(combined + shim + 1, userPreload);
            m_env[out++] = combined;
            continue;
        }
        m_env[out++] = hidden[i];
    }
    m_env[out++] = variable;
    m_env[out] = nullptr;
}

ExecEnvironment::~ExecEnvironment() { unmapAnonymous(m_env, m_bytes); }

}  // namespace memtrace::shim
