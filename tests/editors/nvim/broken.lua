-- A server command that cannot start (an interpreter without backend-lens): the
-- user is told what ran and the command that installs the server.
local T = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)), "common.lua"))

T.run(function(result)
  require("backend_lens").setup({ cmd = T.server_cmd, python = vim.env.BL_PYTHON })
  vim.cmd.edit(vim.fn.fnameescape(T.views))
  result.advised = vim.wait(T.timeout, function()
    for _, n in ipairs(T.notifications) do
      if n.message:find("pip install backend-lens", 1, true) then
        return true
      end
    end
    return false
  end, 10)
  result.notifications = vim.tbl_map(function(n)
    return { message = n.message, level = n.level }
  end, T.notifications)
  result.clients = #vim.lsp.get_clients({ name = "backend_lens" })
end)
