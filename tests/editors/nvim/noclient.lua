-- The commands exist once the plugin is loaded, and say clearly why they cannot
-- work before setup() or with no server running.
local T = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)), "common.lua"))

T.run(function(result)
  vim.cmd.runtime("plugin/backend_lens.lua") -- what Neovim does at start-up for an installed plugin
  local commands = vim.api.nvim_get_commands({})
  result.commands = {
    report = commands.BackendLensReport ~= nil,
    inventory = commands.BackendLensInventory ~= nil,
    restart = commands.BackendLensRestart ~= nil,
  }

  vim.cmd.edit(vim.fn.fnameescape(T.views))
  -- an error message raised inside vim.cmd() becomes a Lua error; typed, it is just shown
  pcall(vim.cmd, "BackendLensReport")
  pcall(vim.cmd, "BackendLensInventory")
  pcall(vim.cmd, "BackendLensRestart")
  result.before_setup = vim.tbl_map(function(n)
    return n.message
  end, T.notifications)

  T.notifications = {}
  require("backend_lens").setup({ cmd = T.server_cmd })
  -- a TOML file gets no server, and no server is running anywhere
  vim.cmd.edit(vim.fn.fnameescape(T.workspace .. "/pyproject.toml"))
  result.clients = #vim.lsp.get_clients()
  local done = false
  pcall(require("backend_lens").report, {}, function(path, err)
    result.report_path = path
    result.report_error = err
    done = true
  end)
  result.report_called_back = vim.wait(1000, function()
    return done
  end, 10)
  local inventory_done = false
  pcall(require("backend_lens").inventory, function(inventory, err, bufnr)
    result.inventory = inventory
    result.inventory_error = err
    result.inventory_buf = bufnr
    inventory_done = true
  end)
  result.inventory_called_back = vim.wait(1000, function()
    return inventory_done
  end, 10)
  result.windows = T.windows()
  result.after_setup = vim.tbl_map(function(n)
    return { message = n.message, level = n.level }
  end, T.notifications)
end)
