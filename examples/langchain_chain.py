"""Ask a library of videos through a LangChain chain: the library retriever, a prompt, and the
embedded local chat model (Qwen2.5-Coder-1.5B via llama.cpp unless ``chat`` in the config says otherwise).

    videochat-text library add lectures/
    python examples/langchain_chain.py "What is the secret password?" [config.yaml]
"""

import sys

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnablePassthrough

from videochat_text.chat_models import make_chat_model
from videochat_text.integrations.langchain import LibraryRetriever, format_moments
from videochat_text.library import Library

PROMPT = ChatPromptTemplate.from_messages([
    ("system", "You answer questions about videos using only these moments from them, one per line "
               "(video, time, the module that reported it, what it reported):\n{moments}\n"
               "Answer the question and name the video the answer comes from. If the moments do not tell, "
               "say so."),
    ("human", "{question}"),
])


def build_chain(library: Library):
    retriever = LibraryRetriever(library=library, top_k=4)
    model = make_chat_model(library.settings.chat)
    return {"moments": retriever | format_moments, "question": RunnablePassthrough()} | PROMPT | model | StrOutputParser()


if __name__ == "__main__":
    library = Library.from_config(sys.argv[2] if len(sys.argv) > 2 else None)
    print(build_chain(library).invoke(sys.argv[1]))
