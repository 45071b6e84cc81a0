--- :checkhealth backend_lens
local M = {}

local health = vim.health or require("health")
local start = health.start or health.report_start
local ok = health.ok or health.report_ok
local warn = health.warn or health.report_warn
local error = health.error or health.report_error
local info = health.info or health.report_info

local function install_advice(python)
  return {
    ("install the server into the interpreter you want to use: `%s -m pip install backend-lens`"):format(python),
    "or point the plugin at it: require('backend_lens').setup({ cmd = { '/path/to/python', '-P', '-m', 'backend_lens', 'serve' } })",
    "(or `cmd = { '/path/to/backend-lens', 'serve' }`, or `python = '/path/to/python'`)",
  }
end

--- The command that prints the version: cmd up to "serve", then "--version".
local function version_cmd(cmd)
  local result = {}
  for _, arg in ipairs(cmd) do
    if arg == "serve" or arg == "--stdio" then
      break
    end
    table.insert(result, arg)
  end
  table.insert(result, "--version")
  return result
end

--- Runs a command with a timeout (and the server's environment); returns exit code, combined output.
local function run(cmd, timeout, env)
  if vim.system then
    local okay, obj = pcall(vim.system, cmd, { text = true, stdin = false, timeout = timeout, env = env })
    if not okay then
      return -1, tostring(obj)
    end
    local res = obj:wait(timeout + 500)
    return res.code, (res.stdout or "") .. (res.stderr or "")
  end
  local saved = {}
  for key, value in pairs(env or {}) do
    saved[key] = vim.env[key]
    vim.env[key] = value
  end
  local out = vim.fn.system(cmd)
  for key in pairs(env or {}) do
    vim.env[key] = saved[key]
  end
  return vim.v.shell_error, out
end

--- The buffer the user was in when running :checkhealth (which opens its own buffer, often in a new tab).
local function user_buffer()
  local cur = vim.api.nvim_get_current_buf()
  if vim.api.nvim_buf_get_name(cur) ~= "health://" and vim.bo[cur].filetype ~= "checkhealth" then
    return cur
  end
  local prev_tab = vim.fn.tabpagenr("#")
  if prev_tab > 0 and prev_tab ~= vim.fn.tabpagenr() then
    local buffers = vim.fn.tabpagebuflist(prev_tab)
    local buf = buffers[vim.fn.tabpagewinnr(prev_tab)]
    if buf then
      return buf
    end
  end
  local prev_win = vim.fn.winnr("#")
  if prev_win > 0 and prev_win ~= vim.fn.winnr() then
    return vim.fn.winbufnr(prev_win)
  end
  local alt = vim.fn.bufnr("#")
  return alt > 0 and alt or nil
end

local function get_clients(filter)
  return (vim.lsp.get_clients or vim.lsp.get_active_clients)(filter)
end

function M.check()
  local lens = require("backend_lens")

  start("Neovim")
  local v = vim.version()
  local nvim_version = ("%d.%d.%d"):format(v.major, v.minor, v.patch)
  if v.prerelease then
    nvim_version = nvim_version .. "-" .. (type(v.prerelease) == "string" and v.prerelease or "dev")
  end
  if vim.fn.has("nvim-0.11") == 1 then
    ok(("Neovim %s (uses vim.lsp.config / vim.lsp.enable)"):format(nvim_version))
  elseif vim.fn.has("nvim-0.10") == 1 then
    ok(("Neovim %s (uses vim.lsp.start from a FileType autocommand)"):format(nvim_version))
  elseif vim.fn.has("nvim-0.9") == 1 then
    warn(("Neovim %s is old; the plugin is tested with 0.10 and newer"):format(nvim_version), {
      "upgrade Neovim: https://github.com/neovim/neovim/releases",
    })
  else
    error(("Neovim %s is too old; Backend Lens needs 0.9 or newer (0.10+ recommended)"):format(nvim_version), {
      "upgrade Neovim: https://github.com/neovim/neovim/releases",
    })
  end

  start("Setup")
  if lens.options then
    ok("require('backend_lens').setup() has been called")
    if next(lens.options.settings or {}) then
      info("settings: " .. vim.inspect(lens.options.settings, { newline = " ", indent = "" }))
      local known = {}
      for _, key in ipairs(lens.known_settings) do
        known[key] = true
      end
      for key in pairs(lens.options.settings) do
        if not known[key] then
          warn(("unknown setting `%s`: the server will ignore it"):format(tostring(key)), {
            "known settings: " .. table.concat(lens.known_settings, ", "),
          })
        end
      end
    end
  else
    warn("require('backend_lens').setup() has not been called: the server does not start", {
      "add `require('backend_lens').setup({})` to your init.lua (see :help backend_lens-setup)",
    })
  end

  start("Server")
  local opts = lens.options or {}
  local cmd = lens.resolve_cmd(lens.options)
  -- the interpreter to install into: the one in `cmd` when it is `python -P -m backend_lens ...`
  local module_python = lens.module_python(cmd)
  local python = module_python or lens.python(lens.options)
  info("command: " .. table.concat(cmd, " "))
  if module_python and not vim.tbl_contains(cmd, "-P") and not vim.tbl_contains(cmd, "-I") then
    warn("the server's working directory (your project) is first on its import path: a `tomllib.py` or a `backend_lens/` folder there would be imported and run", {
      ("add \"-P\" before \"-m\" in `cmd`: { '%s', '-P', '-m', 'backend_lens', 'serve' } (Python 3.11+)"):format(module_python),
      "or leave `cmd` unset: the default is `backend-lens serve`, else `python -P -m backend_lens serve`",
    })
  end
  local env = lens.server_env()
  if env then
    info("PYTHONPATH for the server, without its empty or relative entries: " .. (env.PYTHONPATH ~= "" and env.PYTHONPATH or "(unset)"))
  end
  local exe = vim.fn.exepath(cmd[1])
  if exe == "" then
    local what = opts.cmd and "the configured `cmd`" or "the default command"
    error(("server command not found: `%s` (%s) is not an executable program"):format(cmd[1], what), install_advice(python))
    return M.check_client(lens)
  end
  ok(("server command found: %s"):format(exe))

  local vcmd = version_cmd(cmd)
  local code, out = run(vcmd, 10000, env)
  local version = out and out:match("backend%-lens%s+v?(%d+%.%d+%.%d+[%w%.%-+]*)")
  if code ~= 0 and module_python and out and out:match("[Uu]nknown option:?%s*%-P") then
    error(("`%s` is too old: backend-lens needs Python 3.11 or newer (it does not know `-P`)"):format(module_python), {
      "point the plugin at a Python 3.11+ that has backend-lens installed: setup({ python = '/path/to/python3.11' })",
      "or at its script: setup({ cmd = { '/path/to/backend-lens', 'serve' } })",
    })
    return M.check_client(lens)
  end
  if code ~= 0 or not version then
    local first = vim.trim(out or ""):gsub("\n.*", "")
    local advice = install_advice(python)
    if out and out:match("No module named") then
      table.insert(advice, 1, ("`%s` cannot import the server module (`backend_lens`)"):format(cmd[1]))
    end
    error(
      ("`%s` failed (exit code %s): %s"):format(table.concat(vcmd, " "), tostring(code), first ~= "" and first or "no output"),
      advice
    )
    return M.check_client(lens)
  end
  ok(("server version: backend-lens %s (`%s`)"):format(version, table.concat(vcmd, " ")))

  local parsed = vim.version and vim.version.parse and vim.version.parse(version)
  local minimum = vim.version and vim.version.parse and vim.version.parse(lens.min_server_version)
  if parsed and minimum then
    if vim.version.lt(parsed, minimum) then
      error(("backend-lens %s is older than the minimum %s"):format(version, lens.min_server_version), {
        ("upgrade it: `%s -m pip install --upgrade backend-lens`"):format(python),
      })
    else
      ok(("version %s is at least the minimum %s"):format(version, lens.min_server_version))
    end
  else
    info("cannot compare versions on this Neovim (minimum: " .. lens.min_server_version .. ")")
  end

  M.check_client(lens)
end

function M.check_client(lens)
  start("Client")
  local bufnr = user_buffer()
  local running = get_clients({ name = lens.name })
  if bufnr and vim.api.nvim_buf_is_valid(bufnr) then
    local name = vim.api.nvim_buf_get_name(bufnr)
    local label = name ~= "" and vim.fn.fnamemodify(name, ":~:.") or ("buffer " .. bufnr)
    local attached = get_clients({ bufnr = bufnr, name = lens.name })
    if #attached > 0 then
      local client = attached[1]
      ok(("client %d is attached to %s (root: %s)"):format(client.id, label, client.config.root_dir or "none"))
    elseif lens.options and vim.tbl_contains(lens.options.filetypes, vim.bo[bufnr].filetype) then
      warn(("no Backend Lens client is attached to %s"):format(label), {
        "check the server section above and the LSP log (" .. vim.lsp.log.get_filename() .. "); try :BackendLensRestart",
      })
    else
      info(("%s is not a %s buffer: no client expected there"):format(label, table.concat((lens.options or {}).filetypes or { "python" }, "/")))
    end
  else
    info("no buffer to check")
  end
  if #running > 0 then
    for _, client in ipairs(running) do
      local buffers = vim.tbl_keys(client.attached_buffers or {})
      ok(("running client %d, root %s, %d buffer(s)"):format(client.id, client.config.root_dir or "none", #buffers))
    end
  else
    info("no Backend Lens client is running")
  end
end

return M
