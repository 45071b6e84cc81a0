--- Backend Lens for Neovim: starts the Backend Lens language server for Python
--- buffers and adds :BackendLensReport, :BackendLensInventory, :BackendLensRestart
--- and :checkhealth backend_lens. See :help backend_lens.
local M = {}

--- Name of the LSP client (and of the vim.lsp.config entry on Neovim 0.11+).
M.name = "backend_lens"
--- Oldest server version this plugin is written for (checked by :checkhealth).
M.min_server_version = "0.1.0"
M.report_command = "backendLens.generateReport"
M.inventory_command = "backendLens.inventory"

--- Keys the server understands in its settings (anything else gets a warning from it).
M.known_settings = { "select", "ignore", "severity", "exclude", "maxFileSize", "diagnosticMode", "codeLens" }

local defaults = {
  cmd = nil, -- default: { "backend-lens", "serve" } if on PATH, else { python, "-P", "-m", "backend_lens", "serve" }
  python = nil, -- interpreter for the fallback command; default "python3" (or "python")
  settings = {}, -- server settings: select, ignore, severity, exclude, maxFileSize, diagnosticMode, codeLens
  filetypes = { "python" },
  root_markers = { "pyproject.toml", "manage.py", "setup.cfg", ".git" },
  on_attach = nil, -- function(client, bufnr)
  on_exit = nil, -- function(code, signal, client_id), called after the plugin's own
  capabilities = nil, -- client capabilities (default: Neovim's)
}

--- The options in effect (nil until setup() is called).
M.options = nil

local augroup_name = "backend_lens"

local function has(version)
  return vim.fn.has("nvim-" .. version) == 1
end

local function notify(msg, level)
  vim.notify("Backend Lens: " .. msg, level or vim.log.levels.INFO)
end

--- Calls a method of an LSP client: client:m(...) on 0.11+, client.m(...) before.
local function call(client, method, ...)
  if has("0.11") then
    return client[method](client, ...)
  end
  return client[method](...)
end

local function get_clients(filter)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients(filter)
  end
  return vim.lsp.get_active_clients(filter) -- Neovim < 0.10
end

local function is_empty(t)
  return t == nil or next(t) == nil
end

--- The interpreter used by the fallback command.
function M.python(opts)
  opts = opts or M.options or defaults
  if opts.python then
    return opts.python
  end
  if vim.fn.executable("python3") == 1 then
    return "python3"
  end
  if vim.fn.executable("python") == 1 then
    return "python"
  end
  return "python3"
end

--- How an interpreter runs the server: `-P` (Python 3.11+) keeps the working
--- directory (the project, usually) off the import path, so that a `tomllib.py`
--- or a `backend_lens/` package in the analysed project is never imported.
M.module_args = { "-P", "-m", "backend_lens" }

--- The interpreter of a `<python> [options] -m backend_lens ...` command, else nil.
function M.module_python(cmd)
  for i = 2, #cmd - 1 do
    if cmd[i] == "-m" then
      return cmd[i + 1] == "backend_lens" and cmd[1] or nil
    end
  end
  return nil
end

--- The environment the server gets on top of Neovim's (nil: Neovim's as is):
--- PYTHONPATH without its empty or relative entries, which mean the working
--- directory or a folder in it, even with `-P` (an unset PYTHONPATH extended as
--- `$PYTHONPATH:/x` has an empty one). An empty PYTHONPATH is ignored by Python.
function M.server_env()
  local value = vim.env.PYTHONPATH
  if value == nil then
    return nil
  end
  local sep = vim.fn.has("win32") == 1 and ";" or ":"
  local kept = {}
  for _, entry in ipairs(vim.split(value, sep, { plain = true })) do
    local absolute = entry:sub(1, 1) == "/" or entry:match("^%a:[\\/]") or entry:sub(1, 2) == "\\\\"
    if entry ~= "" and absolute then
      table.insert(kept, entry)
    end
  end
  local clean = table.concat(kept, sep)
  if clean == value then
    return nil
  end
  return { PYTHONPATH = clean }
end

--- The command that starts the server, as a list.
function M.resolve_cmd(opts)
  opts = opts or M.options or defaults
  local cmd = opts.cmd
  if type(cmd) == "string" then
    return { cmd }
  end
  if type(cmd) == "table" and #cmd > 0 then
    return vim.deepcopy(cmd)
  end
  if vim.fn.executable("backend-lens") == 1 then
    return { "backend-lens", "serve" }
  end
  local cmd = { M.python(opts) }
  vim.list_extend(cmd, M.module_args)
  table.insert(cmd, "serve")
  return cmd
end

--- The project root for a buffer: the nearest folder with one of root_markers,
--- or nil (the server then analyses the open files only).
function M.find_root(bufnr, markers)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  markers = markers or (M.options or defaults).root_markers
  if vim.fs.root then
    return vim.fs.root(bufnr, markers)
  end
  -- Neovim < 0.10
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == "" then
    return nil
  end
  local found = vim.fs.find(markers, { path = vim.fs.dirname(name), upward = true })[1]
  return found and vim.fs.dirname(found) or nil
end

local function server_settings(opts)
  if is_empty(opts.settings) then
    return nil
  end
  return { backendLens = vim.deepcopy(opts.settings) }
end

--- Advice for a server that stopped on its own with a failure (a missing module,
--- an interpreter without backend-lens, a crash): what ran and how to fix it.
function M.exit_advice(cmd, code)
  local shown = table.concat(cmd, " ")
  local msg = ("the server stopped (exit code %d): `%s`."):format(code, shown)
  local python = M.module_python(cmd)
  if python then
    msg = msg
      .. (" If backend-lens is not installed in that Python, install it with `%s -m pip install backend-lens`,"):format(
        python
      )
      .. " or set `cmd`/`python` in setup() (backend-lens needs Python 3.11 or newer)."
  else
    msg = msg .. " Is backend-lens installed? `pip install backend-lens`, or set `cmd` in setup()."
  end
  return msg .. " :checkhealth backend_lens says more; the server's output is in " .. vim.lsp.get_log_path()
end

--- The client configuration (without root_dir) for the current options.
local function client_config(opts)
  local settings = server_settings(opts)
  local cmd = M.resolve_cmd(opts)
  local user_on_exit = opts.on_exit
  return {
    -- a server that exits with a failure is explained, not just reported by its code
    -- (a stop asked for, as by :BackendLensRestart, exits 0 or by a signal)
    on_exit = function(code, signal, client_id)
      if code ~= 0 and signal == 0 then
        vim.schedule(function()
          notify(M.exit_advice(cmd, code), vim.log.levels.ERROR)
        end)
      end
      if user_on_exit then
        user_on_exit(code, signal, client_id)
      end
    end,
    name = M.name,
    cmd = cmd,
    -- no PYTHONPATH entry that means the working directory (see server_env)
    cmd_env = M.server_env(),
    filetypes = vim.deepcopy(opts.filetypes),
    -- read by the server at start-up. Not also given as `settings`: Neovim would send
    -- them again at once with workspace/didChangeConfiguration, and the server would
    -- reload its configuration (and repeat any warning about it) for nothing. Later
    -- changes (setup() called again) go through didChangeConfiguration.
    init_options = settings,
    capabilities = opts.capabilities, -- nil: Neovim's default (or the user's vim.lsp.config)
    on_attach = opts.on_attach, -- nil: whatever the user's vim.lsp.config says
  }
end

-- Keys of the vim.lsp.config entry that setup() owns and replaces on every call.
local owned_keys = { "cmd", "cmd_env", "filetypes", "init_options", "root_dir", "on_exit" }

--- Registers the client config with vim.lsp.config (Neovim 0.11+). The first time
--- it merges into whatever the user configured for "backend_lens"; a later setup()
--- replaces the keys it owns instead of merging them (vim.lsp.config merges lists
--- index by index, which would mix an old and a new cmd or ignore list).
local function register_lsp_config(config)
  local stored = rawget(vim.lsp.config, "_configs")
  local previous = type(stored) == "table" and stored[M.name] or nil
  if previous == nil then
    vim.lsp.config(M.name, config)
    return
  end
  local fresh = vim.deepcopy(previous)
  for _, key in ipairs(owned_keys) do
    fresh[key] = nil
  end
  for key, value in pairs(config) do
    fresh[key] = value
  end
  vim.lsp.config[M.name] = fresh
end

--- Starts (or reuses) the client for one buffer, outside vim.lsp.enable.
function M.start_buffer(bufnr)
  if not M.options then
    return nil
  end
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  if vim.bo[bufnr].buftype ~= "" or not vim.tbl_contains(M.options.filetypes, vim.bo[bufnr].filetype) then
    return nil
  end
  local config
  if M.uses_lsp_config() then
    -- the resolved vim.lsp.config entry, including whatever the user added to it
    config = vim.deepcopy(vim.lsp.config[M.name])
    config.name = M.name
  else
    config = client_config(M.options)
  end
  config.root_dir = M.find_root(bufnr)
  config.filetypes = nil -- not a vim.lsp.start field
  return vim.lsp.start(config, { bufnr = bufnr })
end

--- Whether this Neovim has vim.lsp.config/vim.lsp.enable (0.11+).
function M.uses_lsp_config()
  return has("0.11") and type(vim.lsp.config) == "table" and vim.lsp.enable ~= nil
end

local function python_buffers()
  local result = {}
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if
      vim.api.nvim_buf_is_loaded(bufnr)
      and vim.bo[bufnr].buftype == ""
      and vim.tbl_contains(M.options.filetypes, vim.bo[bufnr].filetype)
    then
      table.insert(result, bufnr)
    end
  end
  return result
end

local function warn_missing_cmd(opts)
  local cmd = M.resolve_cmd(opts)
  if vim.fn.executable(cmd[1]) == 0 then
    notify(
      ("server command `%s` not found; set `cmd` or `python` in setup(), or install it with"
        .. " `pip install backend-lens`. Run :checkhealth backend_lens for details."):format(cmd[1]),
      vim.log.levels.WARN
    )
    return true
  end
  return false
end

--- Sends the current settings to the running clients.
local function push_settings()
  local settings = server_settings(M.options) or { backendLens = vim.empty_dict() }
  for _, client in ipairs(get_clients({ name = M.name })) do
    client.settings = settings
    if client.config then
      client.config.settings = settings
    end
    call(client, "notify", "workspace/didChangeConfiguration", { settings = settings })
  end
end

--- Configures and enables the server for Python buffers. Can be called again
--- to change options: new settings are sent to running servers; a new `cmd`
--- applies to servers started afterwards (:BackendLensRestart).
function M.setup(opts)
  local first = M.options == nil
  M.options = vim.tbl_deep_extend("force", vim.deepcopy(defaults), opts or {})
  -- lists replace the defaults rather than merge into them
  for _, key in ipairs({ "filetypes", "root_markers", "cmd" }) do
    if opts and opts[key] ~= nil then
      M.options[key] = vim.deepcopy(opts[key])
    end
  end
  if type(M.options.settings) ~= "table" then
    notify("`settings` should be a table; ignored", vim.log.levels.WARN)
    M.options.settings = {}
  end

  M.create_commands()
  warn_missing_cmd(M.options)

  if M.uses_lsp_config() then
    local config = client_config(M.options)
    config.name = nil
    config.root_dir = function(bufnr, on_dir)
      on_dir(M.find_root(bufnr))
    end
    register_lsp_config(config)
    vim.lsp.enable(M.name)
    if vim.v.vim_did_enter ~= 1 then
      -- vim.lsp.enable only starts servers for buffers already open after VimEnter
      for _, bufnr in ipairs(python_buffers()) do
        if #get_clients({ bufnr = bufnr, name = M.name }) == 0 then
          M.start_buffer(bufnr)
        end
      end
    end
  else
    local group = vim.api.nvim_create_augroup(augroup_name, { clear = true })
    vim.api.nvim_create_autocmd("FileType", {
      group = group,
      pattern = M.options.filetypes,
      callback = function(args)
        M.start_buffer(args.buf)
      end,
      desc = "Start the Backend Lens language server",
    })
    for _, bufnr in ipairs(python_buffers()) do
      M.start_buffer(bufnr)
    end
  end

  if not first then
    push_settings()
  end
end

--- The Backend Lens client attached to a buffer (or, failing that, any running one).
function M.get_client(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local clients = get_clients({ bufnr = bufnr, name = M.name })
  if #clients == 0 then
    clients = get_clients({ name = M.name })
  end
  return clients[1]
end

--- Opens a file in a split, or reloads it where a window already shows it.
local function show_file(path)
  for _, win in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    local buf = vim.api.nvim_win_get_buf(win)
    if vim.api.nvim_buf_get_name(buf) == path then
      vim.api.nvim_set_current_win(win)
      vim.cmd("checktime " .. buf)
      return win
    end
  end
  vim.cmd("split " .. vim.fn.fnameescape(path))
  local buf = vim.api.nvim_get_current_buf()
  vim.cmd("checktime " .. buf)
  return vim.api.nvim_get_current_win()
end

--- The Backend Lens client for the current buffer, or nil and the message (also
--- shown with vim.notify) that says why there is none.
local function running_client()
  local client = M.get_client(0)
  if client then
    return client, nil
  end
  local msg = "no Backend Lens server is running for this buffer"
    .. (M.options and "; open a Python file of the project first" or "; call require('backend_lens').setup() first")
  notify(msg, vim.log.levels.ERROR)
  return nil, msg
end

--- Sends workspace/executeCommand; if it cannot be sent, says so and calls done(nil, msg).
local function send_command(client, params, handler, bufnr, what, done)
  local ok, sent = pcall(call, client, "request", "workspace/executeCommand", params, handler, bufnr)
  if not ok or sent == false then
    local msg = "could not send the " .. what .. " command to the server" .. (ok and "" or (": " .. tostring(sent)))
    notify(msg, vim.log.levels.ERROR)
    return done(nil, msg)
  end
end

--- Asks the server to write the report and opens it in a split.
--- opts: { format = "markdown"|"html", output = "relative/path" }, callback(path|nil, err|nil)
function M.report(opts, callback)
  opts = opts or {}
  local function done(path, err)
    if callback then
      callback(path, err)
    end
  end
  local client, no_client = running_client()
  if not client then
    return done(nil, no_client)
  end
  local arguments = { show = false }
  if opts.format then
    arguments.format = opts.format
  end
  if opts.output then
    arguments.output = opts.output
  end
  local params = { command = M.report_command, arguments = { arguments } }
  notify("generating the report...")
  local bufnr = vim.api.nvim_get_current_buf()
  local function handler(err, result)
    if err then
      local msg = "the report failed: " .. (type(err) == "table" and (err.message or vim.inspect(err)) or tostring(err))
      notify(msg, vim.log.levels.ERROR)
      return done(nil, msg)
    end
    if type(result) ~= "string" or result == "" then
      local msg = "no report was written (cancelled, or see the LSP log: " .. vim.lsp.log.get_filename() .. ")"
      notify(msg, vim.log.levels.WARN)
      return done(nil, msg)
    end
    local path = vim.uri_to_fname(result)
    vim.schedule(function()
      show_file(path)
      notify("report written to " .. vim.fn.fnamemodify(path, ":~:."))
      done(path, nil)
    end)
  end
  send_command(client, params, handler, bufnr, "report", done)
end

--- JSON text, indented by two spaces per level, keys in the order of `keys` first
--- (then sorted), for a value decoded by vim.json (vim.NIL for null; empty tables
--- are written as [] unless they are vim.empty_dict()).
function M.pretty_json(value, keys, indent)
  indent = indent or ""
  local inner = indent .. "  "
  if type(value) ~= "table" or value == vim.NIL then
    -- Neovim 0.10 writes "/" as "\/": valid JSON, but paths read better without it
    return (vim.json.encode(value):gsub("\\/", "/"))
  end
  if next(value) == nil then
    return getmetatable(value) ~= nil and "{}" or "[]"
  end
  if vim.islist(value) then
    local items = {}
    for _, item in ipairs(value) do
      table.insert(items, inner .. M.pretty_json(item, keys, inner))
    end
    return "[\n" .. table.concat(items, ",\n") .. "\n" .. indent .. "]"
  end
  local names = {}
  for name in pairs(value) do
    table.insert(names, tostring(name))
  end
  local rank = {}
  for i, name in ipairs(keys or {}) do
    rank[name] = i
  end
  table.sort(names, function(a, b)
    local ra, rb = rank[a] or math.huge, rank[b] or math.huge
    if ra ~= rb then
      return ra < rb
    end
    return a < b
  end)
  local items = {}
  for _, name in ipairs(names) do
    table.insert(items, inner .. M.pretty_json(name, nil, inner) .. ": " .. M.pretty_json(value[name], keys, inner))
  end
  return "{\n" .. table.concat(items, ",\n") .. "\n" .. indent .. "}"
end

--- Keys of the inventory (and of its entries) shown first, in this order.
M.inventory_keys = {
  "source_roots", "frameworks", "models", "endpoints", "tasks", "consumers", "graphql_schemas", "settings",
  "name", "framework", "orm", "system", "methods", "route", "path", "line",
}

--- Shows text in a scratch buffer (buftype=nofile) named `name`, in a split: the
--- window already showing that buffer, else a new one. Returns the buffer.
local function show_scratch(name, text, filetype)
  local bufnr = -1
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_valid(buf) and vim.api.nvim_buf_get_name(buf) == name then
      bufnr = buf
    end
  end
  if bufnr == -1 then
    bufnr = vim.api.nvim_create_buf(true, true) -- listed, scratch (buftype=nofile, no swap file)
    vim.api.nvim_buf_set_name(bufnr, name)
  end
  local win = vim.fn.bufwinid(bufnr)
  if win == -1 then
    vim.cmd("split")
    win = vim.api.nvim_get_current_win()
    vim.api.nvim_win_set_buf(win, bufnr)
  else
    vim.api.nvim_set_current_win(win)
  end
  vim.bo[bufnr].buftype = "nofile"
  vim.bo[bufnr].bufhidden = "hide"
  vim.bo[bufnr].swapfile = false
  vim.bo[bufnr].modifiable = true
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, vim.split(text, "\n", { plain = true }))
  vim.bo[bufnr].modifiable = false
  vim.bo[bufnr].modified = false
  vim.bo[bufnr].filetype = filetype
  return bufnr
end

--- Asks the server for the project model (source roots, frameworks, models,
--- endpoints, tasks, consumers, GraphQL schemas, settings) and shows it as JSON
--- in a scratch buffer in a split. callback(inventory|nil, err|nil, bufnr|nil).
function M.inventory(callback)
  local function done(inventory, err, bufnr)
    if callback then
      callback(inventory, err, bufnr)
    end
  end
  local client, no_client = running_client()
  if not client then
    return done(nil, no_client)
  end
  local root = client.config and client.config.root_dir or vim.fn.getcwd()
  local params = { command = M.inventory_command, arguments = {} }
  local function handler(err, result)
    vim.schedule(function()
      if err then
        local msg = "the inventory failed: "
          .. (type(err) == "table" and (err.message or vim.inspect(err)) or tostring(err))
        notify(msg, vim.log.levels.ERROR)
        return done(nil, msg)
      end
      if type(result) ~= "table" then
        local msg = "the server returned no inventory (see its message, or the LSP log: "
          .. vim.lsp.log.get_filename()
          .. ")"
        notify(msg, vim.log.levels.ERROR)
        return done(nil, msg)
      end
      local name = "backend-lens://inventory/" .. vim.fn.fnamemodify(root, ":t") .. ".json"
      local bufnr = show_scratch(name, M.pretty_json(result, M.inventory_keys), "json")
      done(result, nil, bufnr)
    end)
  end
  local bufnr = vim.api.nvim_get_current_buf()
  send_command(client, params, handler, bufnr, "inventory", done)
end

--- Stops the Backend Lens clients and starts them again for the open Python buffers.
--- callback(new_client_ids) runs once they have been started.
function M.restart(callback)
  if not M.options then
    notify("call require('backend_lens').setup() first", vim.log.levels.ERROR)
    return
  end
  local clients = get_clients({ name = M.name })
  for _, client in ipairs(clients) do
    call(client, "stop")
  end
  local deadline = vim.uv and vim.uv.now() + 5000 or nil
  local function all_stopped()
    for _, client in ipairs(clients) do
      if not call(client, "is_stopped") then
        return false
      end
    end
    return true
  end
  local function start_again()
    if not all_stopped() then
      if deadline and vim.uv.now() < deadline then
        return vim.defer_fn(start_again, 50)
      end
      for _, client in ipairs(clients) do
        call(client, "stop", true) -- force
      end
    end
    local ids = {}
    for _, bufnr in ipairs(python_buffers()) do
      local id = M.start_buffer(bufnr)
      if id and not vim.tbl_contains(ids, id) then
        table.insert(ids, id)
      end
    end
    if #ids == 0 then
      notify("no Python buffer to start the server for", vim.log.levels.WARN)
    else
      notify(("server restarted (%d buffer%s)"):format(#python_buffers(), #python_buffers() == 1 and "" or "s"))
    end
    if callback then
      callback(ids)
    end
  end
  vim.defer_fn(start_again, #clients > 0 and 20 or 0)
end

function M.create_commands()
  vim.api.nvim_create_user_command("BackendLensReport", function(args)
    local format = args.args ~= "" and args.args or nil
    M.report({ format = format })
  end, {
    nargs = "?",
    complete = function()
      return { "markdown", "html" }
    end,
    desc = "Backend Lens: write the report into the workspace and open it",
  })
  vim.api.nvim_create_user_command("BackendLensInventory", function()
    M.inventory()
  end, { desc = "Backend Lens: show the project model (models, endpoints, tasks, ...) as JSON" })
  vim.api.nvim_create_user_command("BackendLensRestart", function()
    M.restart()
  end, { desc = "Backend Lens: restart the language server" })
end

return M
