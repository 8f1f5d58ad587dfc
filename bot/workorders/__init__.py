"""12345-style work orders (工单): complaints, requests and suggestions with a number residents can quote."""
