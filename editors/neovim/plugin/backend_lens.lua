-- Backend Lens: defines the user commands; the server starts only after
-- require("backend_lens").setup({...}) (see :help backend_lens).
if vim.g.loaded_backend_lens then
  return
end
vim.g.loaded_backend_lens = true

require("backend_lens").create_commands()
